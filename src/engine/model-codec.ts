// The model file format ("RFMD", version 1): a JSON header (algorithm, params, metrics, counts)
// and typed sections (factors, neighbours, seen items, popularity, id maps) in the checked binary
// container. Unknown versions give UnsupportedVersionError, anything malformed CorruptDataError.
import { checkCsr, decodeContainer, decodeStrings, encodeContainer, encodeStrings } from "./binary-format.js";
import { CorruptDataError } from "./errors.js";
import { isFactorModel, type Algorithm, type Model, type ModelInfo } from "./model.js";

const MAGIC = "RFMD";
export const MODEL_FORMAT_VERSION = 1;
const ALGORITHMS: readonly Algorithm[] = ["als", "item_knn", "popularity", "sequential_softmax"];

export function encodeModel(m: Model): Uint8Array {
  const users = encodeStrings(m.userIds);
  const items = encodeStrings(m.itemIds);
  return encodeContainer(MAGIC, MODEL_FORMAT_VERSION, {
    algorithm: m.algorithm, users: m.userIds.length, items: m.itemIds.length, factors: m.factors, info: m.info,
  }, {
    userBlob: users.blob, userEnds: users.ends, itemBlob: items.blob, itemEnds: items.ends,
    seenPtr: m.seenPtr, seenIdx: m.seenIdx, popularity: m.popularity,
    ...(m.userFactors && m.itemFactors ? { userFactors: m.userFactors, itemFactors: m.itemFactors } : {}),
    ...(m.neighbours ? { knnPtr: m.neighbours.indptr, knnIdx: m.neighbours.indices, knnScores: m.neighbours.scores } : {}),
    ...(m.itemBias ? { itemBias: m.itemBias } : {}),
  });
}

export function decodeModel(bytes: Uint8Array): Model {
  const c = decodeContainer(bytes, MAGIC, [MODEL_FORMAT_VERSION]);
  const h = c.header;
  const algorithm = h.algorithm as Algorithm;
  if (!ALGORITHMS.includes(algorithm)) throw new CorruptDataError(`model: unknown algorithm ${JSON.stringify(h.algorithm)}`);
  const nUsers = Number(h.users);
  const nItems = Number(h.items);
  const factors = Number(h.factors);
  if (![nUsers, nItems, factors].every((n) => Number.isSafeInteger(n) && n >= 0) || factors > 4096) throw new CorruptDataError("model: bad counts in header");
  if (typeof h.info !== "object" || h.info === null) throw new CorruptDataError("model: header has no info");
  const seenPtr = c.i32("seenPtr", nUsers + 1);
  const seenIdx = c.i32("seenIdx");
  checkCsr("model seen items", seenPtr, seenIdx, nItems);
  const model: Model = {
    algorithm,
    userIds: decodeStrings(c.u8("userBlob"), c.i32("userEnds", nUsers), "model users"),
    itemIds: decodeStrings(c.u8("itemBlob"), c.i32("itemEnds", nItems), "model items"),
    seenPtr, seenIdx,
    popularity: c.f32("popularity", nItems),
    factors,
    info: h.info as ModelInfo,
  };
  // The item bias (the popularity blend β·log(1 + popularity), plus a softmax model's learned
  // bias) is served exactly as trained.
  if (c.has("itemBias")) model.itemBias = c.f32("itemBias", nItems);
  if (isFactorModel(algorithm)) {
    if (factors < 1) throw new CorruptDataError(`model: ${algorithm} model without factors`);
    model.userFactors = c.f32("userFactors", nUsers * factors);
    model.itemFactors = c.f32("itemFactors", nItems * factors);
  } else if (algorithm === "item_knn") {
    const indptr = c.i32("knnPtr", nItems + 1);
    const indices = c.i32("knnIdx");
    checkCsr("model neighbours", indptr, indices, nItems);
    model.neighbours = { indptr, indices, scores: c.f32("knnScores", indices.length) };
  }
  return model;
}
