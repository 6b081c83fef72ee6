// TuneModel through the real stack, on data shaped unlike the demo's (the data bank's heavy-counts
// shape, uploaded as CSV like a user's): trials stream as Progress and the leaderboard as
// PartialResult, the same seed gives the same answer in a second task, a cancel stops the search,
// promote_to creates an alias, and bad search spaces or budgets are refused with nothing stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { call, createDatasetsClient, createModelsClient, createTasksClient, uploadDataset, type DatasetsServiceClient, type ModelsServiceClient, type TasksServiceClient } from "../../src/api/client.js";
import type { Dataset__Output } from "../../src/generated/recflow/v1/Dataset.js";
import type { ModelAlias__Output } from "../../src/generated/recflow/v1/ModelAlias.js";
import type { ListTasksResponse__Output } from "../../src/generated/recflow/v1/ListTasksResponse.js";
import { bankCase, bankCsvChunks } from "../../src/engine/index.js";
import { Stack, waitFor } from "../helpers/stack.js";
import { fieldViolations } from "../helpers/status.js";

describe("TuneModel through gRPC", () => {
  let stack: Stack;
  let datasets: DatasetsServiceClient;
  let models: ModelsServiceClient;
  let tasks: TasksServiceClient;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, threads: 2, env: { RECFLOW_TRAIN_THREADS: "2" } });
    datasets = createDatasetsClient(stack.address);
    models = createModelsClient(stack.address);
    tasks = createTasksClient(stack.address);
    const c = bankCase("heavy-counts", "small", 5);
    const enc = new TextEncoder();
    const d = await uploadDataset<Dataset__Output>(datasets, { datasetId: "plays" }, [...bankCsvChunks(c, 32 * 1024)].map((x) => enc.encode(x)));
    expect(d.interactions).toBe(c.train.indices.length);
  });
  afterAll(async () => {
    datasets?.close();
    models?.close();
    tasks?.close();
    await stack?.close();
  });

  const space = { factors: { min: 4, max: 24 }, iterations: { min: 3, max: 6 }, neighbors: { min: 20, max: 100 }, softmaxIterations: { min: 5, max: 15 } };

  it("streams every trial, ends with the best model trained on all the data, and gives the same answer for the same seed", async () => {
    const spec = { tuneModel: { datasetId: "plays", maxTrials: 5, seed: 3, space, promoteTo: "tuned" } };
    const first = await stack.submit(spec);
    const events = await stack.watch(first.id, 0, 180_000);
    const result = events.at(-1)?.succeeded?.result?.tuneModel;
    expect(result, JSON.stringify(events.at(-1))).toBeDefined();
    expect(result!.trials).toBe(5);
    expect(result!.leaderboard).toHaveLength(5);
    expect(result!.best!.validationScore).toBe(Math.max(...result!.leaderboard.map((t) => t.validationScore)));
    // Each trial: a Progress event and a PartialResult with the leaderboard so far.
    const boards = events.filter((e) => e.event === "partialResult").map((e) => e.partialResult!.leaderboard);
    expect(boards.map((b) => b.length)).toEqual([1, 2, 3, 4, 5]);
    expect(events.filter((e) => e.event === "progress" && /^trial \d+ done/.test(e.progress!.message))).toHaveLength(5);
    // Holdout metrics of the tuned parameters next to the defaults' and popularity's.
    for (const m of [result!.metrics, result!.defaultMetrics, result!.baselineMetrics]) expect(m["ndcg@10"]).toBeGreaterThan(0);
    expect(result!.metrics["ndcg@10"]).toBeGreaterThan(result!.baselineMetrics["ndcg@10"]);
    // The new alias was compared with popularity and now names the tuned model.
    expect(result!.promotion).toMatchObject({ alias: "tuned", decision: "DECISION_PROMOTED" });
    const alias = await call<object, ModelAlias__Output>(models.GetModelAlias.bind(models), { name: "tuned" });
    expect(alias.modelId).toBe(result!.modelId);

    const second = await stack.submit({ tuneModel: { ...spec.tuneModel, promoteTo: "" } });
    const again = (await stack.watch(second.id, 0, 180_000)).at(-1)?.succeeded?.result?.tuneModel;
    expect(again!.leaderboard.map((t) => [t.description, t.validationScore])).toEqual(result!.leaderboard.map((t) => [t.description, t.validationScore]));
    expect(again!.metrics).toEqual(result!.metrics);
  }, 400_000);

  it("trains a sequential softmax model that beats popularity, serves Recommend and SimilarItems, and reads back", async () => {
    const task = await stack.submit({ trainModel: { datasetId: "plays", algorithm: "ALGORITHM_SEQUENTIAL_SOFTMAX", evaluate: true, seed: 5, softmax: { iterations: 30 } } });
    const events = await stack.watch(task.id, 0, 180_000);
    const result = events.at(-1)?.succeeded?.result?.trainModel;
    expect(result, JSON.stringify(events.at(-1))).toBeDefined();
    expect(result!.algorithm).toBe("ALGORITHM_SEQUENTIAL_SOFTMAX");
    // One milestone per L-BFGS iteration, with its loss (the loss curve), then the blend and the holdout.
    expect(events.filter((e) => e.event === "progress" && /^softmax iteration \d+\/30$/.test(e.progress!.message)).length).toBe(30);
    expect(result!.metrics["ndcg@10"]).toBeGreaterThan(1.2 * result!.baselineMetrics["ndcg@10"]);
    const model = await call<object, { algorithm: string; factors: number }>(models.GetModel.bind(models), { modelId: result!.modelId });
    expect(model).toMatchObject({ algorithm: "ALGORITHM_SEQUENTIAL_SOFTMAX", factors: 16 });
    const userIds = ["user-1", "user-2", "no-such-user"];
    const rec = await stack.submit({ recommend: { modelId: result!.modelId, userIds, k: 5 } });
    const recs = (await stack.watch(rec.id, 0, 60_000)).filter((e) => e.event === "partialResult").flatMap((e) => e.partialResult!.recommendations);
    expect(recs.map((r) => [r.userId, r.items.length, r.coldStart])).toEqual([["user-1", 5, false], ["user-2", 5, false], ["no-such-user", 5, true]]);
    const sim = await stack.submit({ similarItems: { modelId: result!.modelId, itemIds: [recs[0].items[0].itemId], k: 3 } });
    const neighbours = (await stack.watch(sim.id, 0, 60_000)).filter((e) => e.event === "partialResult").flatMap((e) => e.partialResult!.neighbours);
    expect(neighbours[0].similar).toHaveLength(3);
  }, 200_000);

  it("stops a search when it is cancelled mid-way", async () => {
    const task = await stack.submit({ tuneModel: { datasetId: "plays", maxTrials: 200, seed: 4, space } });
    await waitFor(async () => (await stack.eventsSoFar(task.id)).some((e) => e.event === "partialResult"), 120_000, "the first finished trial");
    await stack.cancel(task.id, "enough");
    const events = await stack.watch(task.id, 0, 30_000);
    expect(events.at(-1)?.event).toBe("cancelled");
    expect(events.filter((e) => e.event === "partialResult").length).toBeLessThan(200);
  }, 200_000);

  it("refuses an empty range, a budget of 0 and an unspecified algorithm, naming the field, and stores nothing", async () => {
    const before = await call<object, ListTasksResponse__Output>(tasks.ListTasks.bind(tasks), { pageSize: 1000 });
    const refuse = async (tuneModel: object, field: string): Promise<void> => {
      const err = await stack.submit({ tuneModel }).then(() => undefined, (e: ServiceError) => e);
      expect(err?.code).toBe(Code.INVALID_ARGUMENT);
      expect(fieldViolations(err!)).toContain(field);
    };
    await refuse({ datasetId: "plays", maxTrials: 3, space: { factors: { min: 32, max: 8 } } }, "task.tune_model.space.factors");
    await refuse({ datasetId: "plays", maxTrials: 0, timeBudgetSeconds: 0 }, "task.tune_model.max_trials");
    await refuse({ datasetId: "plays", maxTrials: 3, space: { algorithms: ["ALGORITHM_UNSPECIFIED"] } }, "task.tune_model.space.algorithms");
    await refuse({ datasetId: "plays", maxTrials: 3, space: { regularization: { min: -1, max: 2 } } }, "task.tune_model.space.regularization");
    await refuse({ datasetId: "plays", maxTrials: 3, space: { softmaxIterations: { min: 50, max: 20 } } }, "task.tune_model.space.softmax_iterations");
    const train = await stack.submit({ trainModel: { datasetId: "plays", algorithm: "ALGORITHM_SEQUENTIAL_SOFTMAX", softmax: { factors: 5000 } } }).then(() => undefined, (e: ServiceError) => e);
    expect(train?.code).toBe(Code.INVALID_ARGUMENT);
    expect(fieldViolations(train!)).toContain("task.train_model.softmax.factors");
    const after = await call<object, ListTasksResponse__Output>(tasks.ListTasks.bind(tasks), { pageSize: 1000 });
    expect(after.tasks.length).toBe(before.tasks.length);
    // A dataset that does not exist is the worker's to find: the task fails NOT_FOUND, not retried.
    const missing = await stack.submit({ tuneModel: { datasetId: "missing", maxTrials: 2 } });
    const end = (await stack.watch(missing.id, 0, 30_000)).at(-1);
    expect(end?.failed?.error?.code).toBe(Code.NOT_FOUND);
  });
});
