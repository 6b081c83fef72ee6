// Recommend and SimilarItems for many rows through the whole stack, on a worker whose tasks use
// two threads (RECFLOW_TRAIN_THREADS=2, so more than 2,048 rows go to a scoring team): the
// results, streamed in order, equal those of one-row tasks, which take the single-query path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatasetsClient, uploadDataset, type DatasetsServiceClient } from "../../src/api/client.js";
import type { Dataset__Output } from "../../src/generated/recflow/v1/Dataset.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";
import { generateInteractions, syntheticCsvChunks } from "../../src/engine/index.js";
import { Stack, stopProc } from "../helpers/stack.js";

const USERS = 2_500;
const ITEMS = 2_200;

const partials = (events: TaskEvent__Output[]): TaskEvent__Output["partialResult"][] => events.filter((e) => e.event === "partialResult").map((e) => e.partialResult);

describe("many-row scoring on a thread team through gRPC", () => {
  let stack: Stack;
  let datasets: DatasetsServiceClient;
  let modelId = "";
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, threads: 1, env: { RECFLOW_TRAIN_THREADS: "2" } });
    datasets = createDatasetsClient(stack.address);
    const data = generateInteractions({ users: USERS, items: ITEMS, interactions: 40_000, seed: 3 });
    const enc = new TextEncoder();
    await uploadDataset<Dataset__Output>(datasets, { datasetId: "many" }, [...syntheticCsvChunks(data, 64 * 1024)].map((c) => enc.encode(c)));
    // 13 factors: not a multiple of the kernel's 4 lanes or 8-item panels.
    const train = await stack.watch((await stack.submit({ trainModel: { datasetId: "many", algorithm: "ALGORITHM_ALS", als: { factors: 13, iterations: 3 }, seed: 2 } })).id, 0, 90_000);
    modelId = train.at(-1)?.succeeded?.result?.trainModel?.modelId ?? "";
    expect(modelId).toMatch(/^m_/);
  }, 120_000);
  afterAll(async () => {
    datasets?.close();
    await stack?.close();
  });

  it("Recommend for all users equals one-user Recommend, user by user, in order", async () => {
    const deny = ["i1", "i2", "i3"];
    const all = await stack.watch((await stack.submit({ recommend: { modelId, allUsers: true, k: 10, denyItems: deny } })).id, 0, 90_000);
    expect(all.at(-1)?.event).toBe("succeeded");
    const recs = partials(all).flatMap((p) => p!.recommendations);
    expect(recs).toHaveLength(USERS);
    // In model order: the users of the dataset as first seen (u0, u1, … for this generator).
    const order = recs.map((r) => r.userId);
    expect(new Set(order).size).toBe(USERS);
    const byUser = new Map(recs.map((r) => [r.userId, r]));
    const sample = [order[0], order[1], order[255], order[256], order[1023], order[2047], order[2048], order[USERS - 1]];
    const singles = await Promise.all(sample.map(async (u) => {
      const ev = await stack.watch((await stack.submit({ recommend: { modelId, userIds: [u], k: 10, denyItems: deny } })).id, 0, 60_000);
      return partials(ev).flatMap((p) => p!.recommendations)[0];
    }));
    for (const one of singles) {
      expect(one.items).toHaveLength(10);
      expect(byUser.get(one.userId)).toEqual(one);
      expect(one.items.some((i) => deny.includes(i.itemId))).toBe(false);
    }
  }, 120_000);

  it("SimilarItems for every item equals one-item SimilarItems", async () => {
    const itemIds = Array.from({ length: ITEMS }, (_, i) => `i${i}`).concat(["no-such-item"]);
    const all = await stack.watch((await stack.submit({ similarItems: { modelId, itemIds, k: 5 } })).id, 0, 90_000);
    const nb = partials(all).flatMap((p) => p!.neighbours);
    expect(nb.map((n) => n.itemId)).toEqual(itemIds);
    // A few generated item ids never occur in the interactions: unknown, like the made-up one.
    expect(all.at(-1)?.succeeded?.result?.similarItems).toMatchObject({ items: ITEMS + 1, unknownItems: nb.filter((n) => n.unknown).length });
    expect(nb.at(-1)).toMatchObject({ unknown: true, similar: [] });
    const known = nb.flatMap((n, j) => (n.unknown ? [] : [j]));
    for (const j of [known[0], known[7], known[1500], known.at(-1)!]) {
      const ev = await stack.watch((await stack.submit({ similarItems: { modelId, itemIds: [itemIds[j]], k: 5 } })).id, 0, 60_000);
      const one = partials(ev).flatMap((p) => p!.neighbours)[0];
      expect(one.similar).toHaveLength(5);
      expect(one.similar.some((s) => s.itemId === itemIds[j])).toBe(false);
      expect(nb[j]).toEqual(one);
    }
  }, 120_000);

  it("scores a TrainModel's holdout and an Evaluate on the team, with the metrics one thread gives", async () => {
    // Over 2,048 holdout users: the team path. ALS itself is the same whatever the thread count.
    const train = { trainModel: { datasetId: "many", algorithm: "ALGORITHM_ALS" as const, als: { factors: 13, iterations: 3 }, seed: 2, evaluate: true } };
    const result = async (spec: Parameters<Stack["submit"]>[0]): Promise<NonNullable<TaskEvent__Output["succeeded"]>["result"]> =>
      (await stack.watch((await stack.submit(spec)).id, 0, 90_000)).at(-1)?.succeeded?.result ?? null;
    const onTeam = (await result(train))?.trainModel;
    // The trained model's holdout items are the dataset's items it did not see: Evaluate scores them.
    const evaluate = { evaluate: { modelId: onTeam?.modelId ?? "", datasetId: "many", k: 10 } };
    const teamEvaluation = (await result(evaluate))?.evaluate;
    await stopProc(stack.workers[0], "SIGTERM");
    await stack.addWorker({ RECFLOW_TRAIN_THREADS: "1" });
    const alone = (await result(train))?.trainModel;
    const aloneEvaluation = (await result(evaluate))?.evaluate;
    expect(teamEvaluation?.usersEvaluated).toBeGreaterThan(2_048);
    expect(Object.keys(onTeam?.metrics ?? {})).toContain("ndcg@10");
    expect(onTeam?.metrics).toEqual(alone?.metrics);
    expect(onTeam?.baselineMetrics).toEqual(alone?.baselineMetrics);
    expect(teamEvaluation?.metrics).toEqual(aloneEvaluation?.metrics);
    expect(teamEvaluation?.baselineMetrics).toEqual(aloneEvaluation?.baselineMetrics);
  }, 240_000);
});
