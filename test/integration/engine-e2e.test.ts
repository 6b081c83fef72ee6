import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code } from "@grpc/grpc-js";
import { call, createDatasetsClient, createModelsClient, uploadDataset, type DatasetsServiceClient, type ModelsServiceClient } from "../../src/api/client.js";
import type { Dataset__Output } from "../../src/generated/recflow/v1/Dataset.js";
import type { Model__Output } from "../../src/generated/recflow/v1/Model.js";
import { generateInteractions, syntheticCsvChunks } from "../../src/engine/index.js";
import { modelCodec } from "../../src/api/codec.js";
import { Stack, codeOf, terminalEvents } from "../helpers/stack.js";

describe("train → recommend → similar → evaluate through gRPC", () => {
  let stack: Stack;
  let datasets: DatasetsServiceClient;
  let models: ModelsServiceClient;
  let modelId = "";
  beforeAll(async () => {
    // Training uses a two-thread ALS team (the pool thread plus one helper), as a worker would with
    // RECFLOW_TRAIN_THREADS=2.
    stack = await Stack.start({ workers: 1, threads: 1, env: { RECFLOW_MAX_EVENT_BYTES: "65536", RECFLOW_TRAIN_THREADS: "2" } });
    datasets = createDatasetsClient(stack.address);
    models = createModelsClient(stack.address);
    const data = generateInteractions({ users: 800, items: 400, interactions: 24_000, seed: 11 });
    const enc = new TextEncoder();
    const d = await uploadDataset<Dataset__Output>(datasets, { datasetId: "synth" }, [...syntheticCsvChunks(data, 16 * 1024)].map((c) => enc.encode(c)));
    expect(d.interactions).toBe(24_000);
  });
  afterAll(async () => {
    datasets?.close();
    models?.close();
    await stack?.close();
  });

  it("trains ALS with a live loss, stores the model and beats popularity on the holdout", async () => {
    const task = await stack.submit({ trainModel: { datasetId: "synth", algorithm: "ALGORITHM_ALS", als: { factors: 24, iterations: 8 }, evaluate: true, evalK: 10, seed: 5 } });
    const events = await stack.watch(task.id, 0, 60_000);
    const progress = events.filter((e) => e.event === "progress" && e.progress?.metrics.loss !== undefined);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const losses = progress.map((e) => e.progress!.metrics.loss);
    for (let k = 1; k < losses.length; k++) expect(losses[k]).toBeLessThanOrEqual(losses[k - 1] * (1 + 1e-6));
    const result = events.at(-1)?.succeeded?.result?.trainModel;
    expect(result?.modelId).toMatch(/^m_/);
    expect(result!.metrics["ndcg@10"]).toBeGreaterThan(result!.baselineMetrics["ndcg@10"] * 1.2);
    modelId = result!.modelId;
    const m = await call<object, Model__Output>(models.GetModel.bind(models), { modelId });
    expect(m).toMatchObject({ id: modelId, algorithm: "ALGORITHM_ALS", datasetId: "synth", taskId: task.id, users: 800, items: 400, factors: 24 });
    expect(Number(m.sizeBytes)).toBeGreaterThan(0);
  });

  it("streams recommendations for all users in bounded chunks, never repeating seen items", async () => {
    const task = await stack.submit({ recommend: { modelId, allUsers: true, k: 10 } });
    const events = await stack.watch(task.id, 0, 60_000);
    const chunks = events.filter((e) => e.event === "partialResult");
    expect(chunks.length).toBeGreaterThan(1); // 64 KiB events force several chunks
    const recs = chunks.flatMap((e) => e.partialResult!.recommendations);
    expect(recs).toHaveLength(800);
    expect(new Set(recs.map((r) => r.userId)).size).toBe(800);
    expect(recs.every((r) => r.items.length === 10 && !r.coldStart)).toBe(true);
    expect(chunks.map((e) => e.partialResult!.chunkIndex)).toEqual(chunks.map((_, k) => k));
    expect(events.at(-1)?.succeeded?.result?.recommend).toMatchObject({ users: 800, coldStartUsers: 0, chunks: chunks.length });
  });

  it("gives popularity to unknown users, flagged as cold start, and honours deny lists", async () => {
    const task = await stack.submit({ recommend: { modelId, userIds: ["u1", "nobody"], k: 5, denyItems: ["i0", "i1"] } });
    const events = await stack.watch(task.id);
    const recs = events.filter((e) => e.event === "partialResult").flatMap((e) => e.partialResult!.recommendations);
    expect(recs.map((r) => [r.userId, r.coldStart])).toEqual([["u1", false], ["nobody", true]]);
    expect(recs.flatMap((r) => r.items.map((i) => i.itemId)).some((i) => i === "i0" || i === "i1")).toBe(false);
  });

  it("finds similar items and evaluates the model next to popularity", async () => {
    const sim = await stack.watch((await stack.submit({ similarItems: { modelId, itemIds: ["i3", "nope"], k: 4 } })).id);
    const nb = sim.filter((e) => e.event === "partialResult").flatMap((e) => e.partialResult!.neighbours);
    expect(nb[0].similar).toHaveLength(4);
    expect(nb[1]).toMatchObject({ itemId: "nope", unknown: true });
    const ev = await stack.watch((await stack.submit({ evaluate: { modelId, datasetId: "synth", k: 10 } })).id, 0, 60_000);
    const r = ev.at(-1)?.succeeded?.result?.evaluate;
    expect(r?.k).toBe(10);
    expect(Object.keys(r!.metrics)).toEqual(expect.arrayContaining(["precision@10", "recall@10", "map@10", "ndcg@10", "coverage@10"]));
    expect(Object.keys(r!.baselineMetrics)).toContain("ndcg@10");
  });

  it("fails at once with NOT_FOUND for a missing dataset or model, without retries", async () => {
    for (const spec of [{ trainModel: { datasetId: "missing", algorithm: "ALGORITHM_ALS" as const } }, { recommend: { modelId: "m_missing", userIds: ["u1"], k: 3 } }]) {
      const events = await stack.watch((await stack.submit(spec)).id);
      expect(events.filter((e) => e.event === "started")).toHaveLength(1);
      expect(terminalEvents(events)).toHaveLength(1);
      expect(events.at(-1)?.failed?.error).toMatchObject({ code: Code.NOT_FOUND, retryable: false });
    }
  });

  it("fails a corrupt or unknown-version model permanently (no retries), naming the problem", async () => {
    // Plant damaged copies of the trained model next to it, as bit rot or a newer writer would.
    const os = await stack.nc.jetstream().views.os("recflow-models");
    const read = async (name: string): Promise<Uint8Array> => {
      const r = await os.get(name);
      if (!r) throw new Error(`${name} missing`);
      return new Uint8Array(await new Response(r.data).arrayBuffer());
    };
    const good = await read(`default/${modelId}/model`);
    const meta = modelCodec.decode(await read(`default/${modelId}/meta`));
    const variants: [string, (b: Uint8Array) => void, string][] = [
      ["m_corrupt", (b) => (b[1] ^= 0xff), "CORRUPT_DATA"],
      ["m_newer", (b) => new DataView(b.buffer, b.byteOffset).setUint32(4, 99, true), "UNSUPPORTED_VERSION"],
    ];
    for (const [id, damage, reason] of variants) {
      const bytes = good.slice();
      damage(bytes);
      await os.putBlob({ name: `default/${id}/model` }, bytes);
      await os.putBlob({ name: `default/${id}/meta` }, modelCodec.encode({ ...meta, id }));
      const events = await stack.watch((await stack.submit({ recommend: { modelId: id, userIds: ["u1"], k: 3 } })).id);
      expect(events.filter((e) => e.event === "started")).toHaveLength(1);
      expect(events.filter((e) => e.event === "retrying")).toHaveLength(0);
      expect(terminalEvents(events)).toHaveLength(1);
      expect(events.at(-1)?.failed?.error).toMatchObject({ code: Code.FAILED_PRECONDITION, reason, retryable: false });
    }
  });

  it("lists and deletes models", async () => {
    const list = await call<object, { models: { id: string }[] }>(models.ListModels.bind(models), {});
    expect(list.models.map((m) => m.id)).toContain(modelId);
    await call(models.DeleteModel.bind(models), { modelId });
    expect(await codeOf(call(models.GetModel.bind(models), { modelId }))).toBe(Code.NOT_FOUND);
  });
});
