import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { call, createDatasetsClient, uploadDataset, type DatasetsServiceClient } from "../../src/api/client.js";
import type { Dataset__Output } from "../../src/generated/recflow/v1/Dataset.js";
import type { ListDatasetsResponse__Output } from "../../src/generated/recflow/v1/ListDatasetsResponse.js";
import { Stack, codeOf, waitFor } from "../helpers/stack.js";

const enc = new TextEncoder();

/** Splits text into chunks of `size` bytes (cutting lines and characters anywhere). */
function chunks(text: string, size: number): Uint8Array[] {
  const bytes = enc.encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe("DatasetsService", () => {
  let stack: Stack;
  let client: DatasetsServiceClient;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 0, env: { RECFLOW_MAX_DATASET_ROWS: "150000", RECFLOW_UPLOAD_IDLE_TIMEOUT_MS: "1500" } });
    client = createDatasetsClient(stack.address);
  });
  afterAll(async () => {
    client?.close();
    await stack?.close();
  });

  async function objectCount(): Promise<number> {
    return (await stack.jsm.streams.info("OBJ_recflow-datasets")).state.messages;
  }

  it("stores a streamed CSV with header, sums duplicates and reports its shape", async () => {
    const text = "user,item,weight\nalice,apple,1\nalice,pear,2\nbob,apple,1\r\nalice,apple,3\ncarol,plum,0.5\n";
    const d = await uploadDataset<Dataset__Output>(client, { datasetId: "small", displayName: "small one" }, chunks(text, 7));
    expect(d).toMatchObject({ id: "small", users: 3, items: 3, interactions: 4, rows: 5, hasTimestamps: false });
    expect(d.density).toBeCloseTo(4 / 9);
    const got = await call<object, Dataset__Output>(client.GetDataset.bind(client), { datasetId: "small" });
    expect(got.interactions).toBe(4);
    const list = await call<object, ListDatasetsResponse__Output>(client.ListDatasets.bind(client), {});
    expect(list.datasets.map((x) => x.id)).toContain("small");
    expect(await codeOf(uploadDataset(client, { datasetId: "small" }, chunks("a,b\n", 10)))).toBe(Code.INVALID_ARGUMENT);
  });

  it("streams a 100k-row TSV upload in small chunks, storing it while it arrives", async () => {
    const lines: string[] = [];
    for (let r = 0; r < 100_000; r++) lines.push(`u${r % 5000}\ti${(r * 7919) % 3000}\t1\t${1_700_000_000 + r}`);
    const parts = chunks(lines.join("\n"), 64 * 1024);
    const bytesBefore = (await stack.jsm.streams.info("OBJ_recflow-datasets")).state.bytes;
    let storedMidway = 0;
    // Halfway through, the gateway must already have written the first half to the Object Store:
    // it passes chunks through instead of holding the whole file in memory.
    async function* paced(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < parts.length; i++) {
        if (i === parts.length >> 1) {
          const half = parts.slice(0, i).reduce((n, p) => n + p.length, 0);
          storedMidway = await waitFor(async () => {
            const grown = (await stack.jsm.streams.info("OBJ_recflow-datasets")).state.bytes - bytesBefore;
            return grown >= half * 0.9 ? grown : 0;
          }, 10_000, "first half stored before the upload ends");
        }
        yield parts[i];
      }
    }
    const d = await uploadDataset<Dataset__Output>(client, { datasetId: "big" }, paced());
    expect(storedMidway).toBeGreaterThan(0);
    expect(d.rows).toBe(100_000);
    expect(d.users).toBe(5000);
    expect(d.hasTimestamps).toBe(true);
    expect(Number(d.rawBytes)).toBe(enc.encode(lines.join("\n")).length);
  });

  const BAD: { name: string; text: string; message: RegExp }[] = [
    { name: "a row with one field", text: "a,b\nc\n", message: /line 2: expected user,item/ },
    { name: "a non-numeric weight", text: "a,b,1\nc,d,abc\n", message: /line 2: weight \(field 3\) "abc" is not a number/ },
    { name: "a negative weight", text: "a,b,-1\n", message: /line 1: weight \(field 3\) "-1" is negative/ },
    { name: "an infinite weight", text: "a,b,1\na,c,Infinity\n", message: /line 2: weight \(field 3\) "Infinity" is not finite/ },
    { name: "an empty item", text: "a,b\na,\n", message: /line 2: item id is empty/ },
    { name: "a bad timestamp", text: "a,b,1,yesterday\n", message: /line 1: timestamp "yesterday"/ },
    { name: "too many fields", text: "a,b,1,2,3\n", message: /line 1: expected at most 4 fields/ },
    { name: "invalid UTF-8", text: "a,b\n\u0000", message: /./ },
    { name: "no data rows", text: "user,item\n\n", message: /no data rows/ },
    { name: "a header without a user column", text: "session,item,rating\ns1,i1,1\n", message: /line 1: the header \(session,item,rating\) names no user column; call it one of user, user_id/ },
    { name: "a header naming two item columns", text: "user,item_id,product\na,b,c\n", message: /line 1: the header names two item columns \("item_id" and "product"\)/ },
    { name: "a row without a named column", text: "item,user,rating\ni1,u1,1\ni2\n", message: /line 3: expected user,item/ },
  ];

  it.each(BAD)("rejects $name with INVALID_ARGUMENT naming the line, and stores nothing", async ({ text, message, name }) => {
    const before = await objectCount();
    const bytes = name === "invalid UTF-8" ? [enc.encode("a,b\n"), new Uint8Array([0x63, 0x2c, 0xff, 0xfe, 0x0a])] : chunks(text, 3);
    const err = (await uploadDataset(client, { datasetId: `bad-${before}` }, bytes).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.details).toMatch(message);
    expect(await codeOf(call(client.GetDataset.bind(client), { datasetId: `bad-${before}` }))).toBe(Code.NOT_FOUND);
    // No half-written object: the bucket's stream holds exactly what it held before.
    expect(await objectCount()).toBe(before);
  });

  it("refuses a dataset over the row limit with RESOURCE_EXHAUSTED and stores nothing", async () => {
    const before = await objectCount();
    const rows = Array.from({ length: 150_001 }, (_, r) => `u${r},i${r % 10}`).join("\n");
    const err = (await uploadDataset(client, { datasetId: "too-many" }, chunks(rows, 256 * 1024)).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(await objectCount()).toBe(before);
  });

  it("aborts an upload that goes idle and stores nothing", async () => {
    const before = await objectCount();
    const result = new Promise<ServiceError | null>((resolve) => {
      const c = client.UploadDataset((err) => resolve(err));
      c.write({ metadata: { datasetId: "slow" } });
      c.write({ chunk: enc.encode("a,b\n") });
      // …and then nothing, without ending the stream.
    });
    const err = await result;
    expect(err?.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(await objectCount()).toBe(before);
  });

  it("deletes a dataset and answers NOT_FOUND afterwards; validates ids", async () => {
    await uploadDataset(client, { datasetId: "doomed" }, chunks("x,y\n", 100));
    await call(client.DeleteDataset.bind(client), { datasetId: "doomed" });
    expect(await codeOf(call(client.GetDataset.bind(client), { datasetId: "doomed" }))).toBe(Code.NOT_FOUND);
    expect(await codeOf(call(client.DeleteDataset.bind(client), { datasetId: "doomed" }))).toBe(Code.NOT_FOUND);
    expect(await codeOf(call(client.GetDataset.bind(client), { datasetId: "../etc/passwd" }))).toBe(Code.INVALID_ARGUMENT);
  });
});
