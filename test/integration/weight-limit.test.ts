// Huge weights through the real gateway and worker (issue 12, item 5). The issue's upload, whose
// line 6 weighs 1e39, used to be accepted and train a model that recommended nothing. Now the
// upload is refused naming the line and field, with nothing stored; duplicate rows summing past
// the bound fail the first task on the dataset (its compile) for good; and a dataset that holds a
// non-finite weight anyway (stored by a version without the bound) fails training permanently
// with NUMERIC_OVERFLOW instead of ending SUCCEEDED with a useless model.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { call, createDatasetsClient, createModelsClient, uploadDataset, type DatasetsServiceClient, type ModelsServiceClient } from "../../src/api/client.js";
import { datasetCodec } from "../../src/api/codec.js";
import { toTimestamp } from "../../src/api/task-model.js";
import { encodeDataset, MAX_WEIGHT, type Dataset } from "../../src/engine/index.js";
import type { Dataset__Output } from "../../src/generated/recflow/v1/Dataset.js";
import type { ListDatasetsResponse__Output } from "../../src/generated/recflow/v1/ListDatasetsResponse.js";
import { Stack, codeOf, terminalEvents } from "../helpers/stack.js";
import { badRequest } from "../helpers/status.js";

const enc = new TextEncoder();
const ISSUE_CSV = "user,item,weight\nu1,i1,1\nu1,i2,2\nu2,i1,3\nu3,i3,1\nu2,i2,1e39\n";

describe("weights too large for training", () => {
  let stack: Stack;
  let datasets: DatasetsServiceClient;
  let models: ModelsServiceClient;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1 });
    datasets = createDatasetsClient(stack.address);
    models = createModelsClient(stack.address);
  });
  afterAll(async () => {
    datasets?.close();
    models?.close();
    await stack?.close();
  });

  const storedObjects = async (): Promise<number> => stack.streamMessages("OBJ_recflow-datasets");
  const listed = async (): Promise<string[]> => (await call<object, ListDatasetsResponse__Output>(datasets.ListDatasets.bind(datasets), {})).datasets.map((d) => d.id);

  /** Uploads `text`, expects INVALID_ARGUMENT with nothing stored; returns the violation's description. */
  async function refused(datasetId: string, text: string): Promise<string> {
    const before = await storedObjects();
    const err = (await uploadDataset(datasets, { datasetId }, [enc.encode(text)]).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    const violations = badRequest(err) ?? [];
    expect(violations.map((v) => v.field)).toEqual(["chunk"]);
    expect(await listed()).not.toContain(datasetId);
    expect(await codeOf(call(datasets.GetDataset.bind(datasets), { datasetId }))).toBe(Code.NOT_FOUND);
    expect(await storedObjects()).toBe(before); // not even the raw text stays behind
    return violations[0].description;
  }

  it("refuses the issue's upload with INVALID_ARGUMENT naming line 6 and the weight field, storing nothing", async () => {
    const why = await refused("huge", ISSUE_CSV);
    expect(why).toMatch(/^line 6: weight \(field 3\) "1e39" is above the largest accepted weight 1000000/);
  });

  it("refuses 1e15, NaN, Infinity and negative weights by line", async () => {
    expect(await refused("w15", "u1,i1,1\nu2,i2,1e15\n")).toMatch(/^line 2: weight \(field 3\) "1e15" is above/);
    expect(await refused("wnan", "u1,i1,NaN\n")).toMatch(/^line 1: weight \(field 3\) "NaN" is not a number/);
    expect(await refused("winf", "u1,i1,1\nu1,i2,2\nu1,i3,Infinity\n")).toMatch(/^line 3: weight \(field 3\) "Infinity" is not finite/);
    expect(await refused("wneg", "u1,i1,-2\n")).toMatch(/^line 1: weight \(field 3\) "-2" is negative/);
  });

  it("stores duplicate rows that sum past the bound (the upload checks rows, not sums), and the first task on them fails for good naming the user and item", async () => {
    // Summing duplicates needs every (user, item) pair in memory: the gateway, bounded to a few MB
    // per upload, leaves it to the compile at the dataset's first use.
    await uploadDataset<Dataset__Output>(datasets, { datasetId: "wsum" }, [enc.encode("u1,i1,700000\nu2,i1,1\nu1,i1,700000\n")]);
    const events = await stack.watch((await stack.submit({ trainModel: { datasetId: "wsum", algorithm: "ALGORITHM_ALS", seed: 1 } })).id);
    expect(events.filter((e) => e.event === "started")).toHaveLength(1);
    expect(events.filter((e) => e.event === "retrying")).toHaveLength(0);
    const error = events.at(-1)?.failed?.error;
    expect(error).toMatchObject({ code: Code.INVALID_ARGUMENT, reason: "INVALID_DATASET", retryable: false });
    expect(error?.message).toMatch(/^dataset wsum cannot be compiled: user "u1", item "i1": the weights of its duplicate rows sum to 1400000, above the largest accepted weight 1000000/);
    // Nothing compiled was written: GetDataset still shows the upload's counts, compiled_bytes 0.
    const d = await call<object, Dataset__Output>(datasets.GetDataset.bind(datasets), { datasetId: "wsum" });
    expect(d).toMatchObject({ rows: 3, interactions: 2, compiledBytes: 0 });
  });

  it("accepts weights up to exactly the bound, and ALS trains on them with the default parameters", async () => {
    const d = await uploadDataset<Dataset__Output>(datasets, { datasetId: "at-bound" }, [enc.encode(`u1,i1,${MAX_WEIGHT}\nu1,i2,1\nu2,i1,500000\nu2,i1,500000\nu3,i3,1\n`)]);
    expect(d).toMatchObject({ interactions: 4, rows: 5 });
    const events = await stack.watch((await stack.submit({ trainModel: { datasetId: "at-bound", algorithm: "ALGORITHM_ALS", als: { factors: 16, iterations: 3 }, seed: 1 } })).id);
    expect(events.at(-1)?.event).toBe("succeeded");
    expect(Number.isFinite(events.at(-1)?.succeeded?.result?.trainModel?.finalLoss)).toBe(true);
  });

  it("fails training on a stored dataset holding Infinity permanently, with NUMERIC_OVERFLOW, and stores no model", async () => {
    // The issue's data as a version without the bound compiled it: 1e39 became float32 Infinity.
    // Planted straight into the bucket, as the upload would have committed it (compiled, then meta).
    const old: Dataset = {
      userIds: ["u1", "u2", "u3"], itemIds: ["i1", "i2", "i3"],
      indptr: Int32Array.from([0, 2, 4, 5]), indices: Int32Array.from([0, 1, 0, 1, 2]),
      weights: Float32Array.from([1, 2, 3, 1e39, 1]), rows: 5,
    };
    expect(old.weights[3]).toBe(Number.POSITIVE_INFINITY);
    const os = await stack.nc.jetstream().views.os("recflow-datasets");
    const compiled = encodeDataset(old);
    await os.putBlob({ name: "default/legacy/compiled" }, compiled);
    await os.putBlob({ name: "default/legacy/meta" }, datasetCodec.encode({
      id: "legacy", users: 3, items: 3, interactions: 5, rows: 5, density: 5 / 9, rawBytes: ISSUE_CSV.length, compiledBytes: compiled.length, createTime: toTimestamp(Date.now()),
    }));
    const modelCount = async (): Promise<number> => (await call<object, { models: unknown[] }>(models.ListModels.bind(models), {})).models.length;
    const modelsBefore = await modelCount();
    const cases = [
      { algorithm: "ALGORITHM_ALS", message: /^ALS diverged at iteration 1 of \d+: the loss is NaN/ },
      { algorithm: "ALGORITHM_ITEM_KNN", message: /^item-kNN: an item's weights are not finite/ },
    ] as const;
    for (const { algorithm, message } of cases) {
      const events = await stack.watch((await stack.submit({ trainModel: { datasetId: "legacy", algorithm, seed: 1 } })).id);
      expect(events.filter((e) => e.event === "started"), algorithm).toHaveLength(1);
      expect(events.filter((e) => e.event === "retrying"), algorithm).toHaveLength(0);
      expect(terminalEvents(events), algorithm).toHaveLength(1);
      const error = events.at(-1)?.failed?.error;
      expect(error, algorithm).toMatchObject({ code: Code.INVALID_ARGUMENT, reason: "NUMERIC_OVERFLOW", retryable: false });
      expect(error?.message, algorithm).toMatch(message);
    }
    expect(await modelCount()).toBe(modelsBefore);
  });
});
