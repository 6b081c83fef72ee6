import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { Stack } from "../helpers/stack.js";
import { fieldViolations } from "../helpers/status.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import { toTimestamp } from "../../src/api/task-model.js";

const CASES: { name: string; task: TaskSpec | null; requestId?: string; field: string }[] = [
  { name: "no task", task: null, field: "task" },
  { name: "no kind", task: { maxRetries: 1 }, field: "task" },
  { name: "negative-looking huge work", task: { probe: { workMs: 99_999_999 } }, field: "task.probe.work_ms" },
  { name: "too many retries", task: { probe: {}, maxRetries: 1000 }, field: "task.max_retries" },
  { name: "deadline in the past", task: { probe: {}, deadline: toTimestamp(Date.now() - 1000) }, field: "task.deadline" },
  { name: "recommend without model", task: { recommend: { userIds: ["u1"], k: 10 } }, field: "task.recommend.model_id" },
  { name: "recommend k = 0", task: { recommend: { modelId: "m1", userIds: ["u1"], k: 0 } }, field: "task.recommend.k" },
  { name: "recommend k too large", task: { recommend: { modelId: "m1", userIds: ["u1"], k: 1_000_000 } }, field: "task.recommend.k" },
  { name: "recommend with no users", task: { recommend: { modelId: "m1", k: 5 } }, field: "task.recommend.user_ids" },
  { name: "recommend users and all_users", task: { recommend: { modelId: "m1", userIds: ["u"], allUsers: true, k: 5 } }, field: "task.recommend.user_ids" },
  { name: "empty user id", task: { recommend: { modelId: "m1", userIds: ["ok", ""], k: 5 } }, field: "task.recommend.user_ids[1]" },
  { name: "train without algorithm", task: { trainModel: { datasetId: "d1" } }, field: "task.train_model.algorithm" },
  { name: "train with bad dataset id", task: { trainModel: { datasetId: "../etc", algorithm: "ALGORITHM_ALS" } }, field: "task.train_model.dataset_id" },
  { name: "als factors too large", task: { trainModel: { datasetId: "d1", algorithm: "ALGORITHM_ALS", als: { factors: 100_000 } } }, field: "task.train_model.als.factors" },
  { name: "similar items without items", task: { similarItems: { modelId: "m1", k: 5 } }, field: "task.similar_items.item_ids" },
  { name: "evaluate k = 0", task: { evaluate: { modelId: "m1", datasetId: "d1", k: 0 } }, field: "task.evaluate.k" },
  { name: "bad label key", task: { probe: {}, labels: { "Bad Key!": "v" } }, field: 'task.labels["Bad Key!"]' },
  { name: "request id with spaces", task: { probe: {} }, requestId: "has space", field: "request_id" },
  { name: "spec over the size limit", task: { recommend: { modelId: "m1", k: 5, userIds: Array.from({ length: 9000 }, (_, i) => `user-${i}-${"x".repeat(40)}`) } }, field: "task" },
];

describe("bad input is rejected with INVALID_ARGUMENT and stores nothing", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each(CASES)("rejects $name naming field $field", async ({ task, requestId, field }) => {
    const before = [await stack.streamMessages("RECFLOW_TASKS"), await stack.streamMessages("RECFLOW_EVENTS")];
    const err = await new Promise<ServiceError | null>((resolve) =>
      stack.client.SubmitTask({ requestId: requestId ?? "", task }, (e) => resolve(e)));
    expect(err?.code).toBe(Code.INVALID_ARGUMENT);
    expect(err?.details).toContain(field);
    expect(fieldViolations(err!)).toContain(field);
    expect([await stack.streamMessages("RECFLOW_TASKS"), await stack.streamMessages("RECFLOW_EVENTS")]).toEqual(before);
  });

  it("rejects a message over the gRPC size limit before reading it", async () => {
    const before = await stack.streamMessages("RECFLOW_TASKS");
    const err = await new Promise<ServiceError | null>((resolve) =>
      stack.client.SubmitTask({ task: { probe: {}, labels: { big: "x".repeat(5 * 1024 * 1024) } } }, (e) => resolve(e)));
    expect(err?.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(await stack.streamMessages("RECFLOW_TASKS")).toBe(before);
  });
});
