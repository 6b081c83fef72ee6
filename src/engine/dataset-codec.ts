// The compiled dataset format ("RFDS" v1): CSR arrays and id lists in a binary container, so a
// worker loads a million interactions in milliseconds instead of re-parsing text.
import { checkCsr, decodeContainer, decodeStrings, encodeContainer, encodeStrings } from "./binary-format.js";
import type { Dataset } from "./dataset.js";
import { CorruptDataError } from "./errors.js";

const MAGIC = "RFDS";
export const DATASET_FORMAT_VERSION = 1;

export function encodeDataset(d: Dataset): Uint8Array {
  const users = encodeStrings(d.userIds);
  const items = encodeStrings(d.itemIds);
  return encodeContainer(MAGIC, DATASET_FORMAT_VERSION, { users: d.userIds.length, items: d.itemIds.length, rows: d.rows }, {
    indptr: d.indptr, indices: d.indices, weights: d.weights,
    ...(d.timestamps ? { timestamps: d.timestamps } : {}),
    userBlob: users.blob, userEnds: users.ends, itemBlob: items.blob, itemEnds: items.ends,
  });
}

export function decodeDataset(bytes: Uint8Array): Dataset {
  const c = decodeContainer(bytes, MAGIC, [DATASET_FORMAT_VERSION]);
  const nUsers = Number(c.header.users);
  const nItems = Number(c.header.items);
  const rows = Number(c.header.rows);
  if (!Number.isSafeInteger(nUsers) || !Number.isSafeInteger(nItems) || !Number.isSafeInteger(rows) || nUsers < 0 || nItems < 0) {
    throw new CorruptDataError("dataset header has bad counts");
  }
  const indptr = c.i32("indptr", nUsers + 1);
  const indices = c.i32("indices");
  const weights = c.f32("weights", indices.length);
  checkCsr("dataset", indptr, indices, nItems);
  const timestamps = c.f64("timestamps", indices.length);
  const userIds = decodeStrings(c.u8("userBlob"), c.i32("userEnds", nUsers), "dataset users");
  const itemIds = decodeStrings(c.u8("itemBlob"), c.i32("itemEnds", nItems), "dataset items");
  return { userIds, itemIds, indptr, indices, weights, ...(timestamps ? { timestamps } : {}), rows };
}
