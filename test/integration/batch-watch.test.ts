// BatchSubmitTasks and WatchTasks against a real stack: per-entry results (partial failure,
// all-or-nothing, idempotency by request id), one stream for many tasks (a selector that picks up
// tasks created after the watch began, resume by the stream's sequence, 10,000 tasks on one
// stream), and bad input answered INVALID_ARGUMENT naming the field with nothing stored.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { Stack, waitFor } from "../helpers/stack.js";
import { fieldViolations } from "../helpers/status.js";
import { call, type TasksServiceClient } from "../../src/api/client.js";
import { PROTO_DIR } from "../../src/api/protos.js";
import type { BatchSubmitTasksRequest } from "../../src/generated/recflow/v1/BatchSubmitTasksRequest.js";
import type { BatchSubmitTasksResponse__Output } from "../../src/generated/recflow/v1/BatchSubmitTasksResponse.js";
import type { WatchTasksRequest } from "../../src/generated/recflow/v1/WatchTasksRequest.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import type { Task__Output } from "../../src/generated/recflow/v1/Task.js";
import type { Status__Output } from "../../src/generated/google/rpc/Status.js";

const probe = (labels: Record<string, string> = {}, workMs = 0): TaskSpec => ({ probe: { workMs, progressSteps: 1 }, labels });
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

let rpcRoot: protobuf.Root | undefined;
/** Fields named by a per-entry google.rpc.Status's BadRequest (decoded as any client would). */
function entryFields(status: Status__Output | null | undefined): string[] {
  if (!rpcRoot) {
    rpcRoot = new protobuf.Root();
    rpcRoot.resolvePath = (_o, t) => (t.startsWith("google/protobuf/") ? t : join(PROTO_DIR, t.replace(/^.*proto\//, "")));
    rpcRoot.loadSync(["google/rpc/error_details.proto"]);
  }
  const type = rpcRoot.lookupType("google.rpc.BadRequest");
  return (status?.details ?? [])
    .filter((d) => d.type_url === "type.googleapis.com/google.rpc.BadRequest")
    .flatMap((d) => (type.decode(d.value) as unknown as { fieldViolations: { field: string }[] }).fieldViolations.map((v) => v.field));
}

function batch(client: TasksServiceClient, req: BatchSubmitTasksRequest): Promise<BatchSubmitTasksResponse__Output> {
  return call(client.BatchSubmitTasks.bind(client), req, { deadlineMs: 60_000 });
}

/** A WatchTasks stream: events as they come, `ended` when the server ends it. */
function watchTasks(client: TasksServiceClient, req: WatchTasksRequest, timeoutMs = 120_000): { events: TaskEvent__Output[]; ended: Promise<TaskEvent__Output[]>; cancel: () => void } {
  const events: TaskEvent__Output[] = [];
  const stream = client.WatchTasks(req, { deadline: Date.now() + timeoutMs });
  const ended = new Promise<TaskEvent__Output[]>((resolve, reject) => {
    stream.on("data", (ev: TaskEvent__Output) => events.push(ev));
    stream.on("end", () => resolve(events));
    stream.on("error", (err: ServiceError) => (err.code === Code.CANCELLED ? resolve(events) : reject(err)));
  });
  return { events, ended, cancel: () => stream.cancel() };
}

/**
 * [work messages, events] once the work queue is drained. Earlier tests' tasks are still being
 * consumed (WorkQueue retention removes a message when its task ends), so counting the queue
 * while they run was racy (a CI run saw [1, 6] then [0, 6]). A drained queue means every earlier
 * task has written its last event, so any new task shows as a new Queued event.
 */
async function stored(stack: Stack): Promise<[number, number]> {
  await waitFor(async () => (await stack.streamMessages("RECFLOW_TASKS")) === 0, 30_000, "earlier tasks to finish");
  return [await stack.streamMessages("RECFLOW_TASKS"), await stack.streamMessages("RECFLOW_EVENTS")];
}

describe("BatchSubmitTasks and WatchTasks", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      workers: 2,
      threads: 2,
      // 10,000 tasks in a few seconds: well over the default submit rate and queued limit.
      env: { RECFLOW_TENANT_SUBMIT_RATE: "1000000", RECFLOW_TENANT_SUBMIT_BURST: "1000000", RECFLOW_TENANT_MAX_QUEUED_TASKS: "1000000", RECFLOW_PROGRESS_INTERVAL_MS: "1000" },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it("stores the good entries of a batch and answers each bad one with its own error", async () => {
    const res = await batch(stack.client, {
      requests: [
        { task: probe({ case: "partial" }) },
        { task: { probe: { workMs: 99_999_999 } } },
        { task: { recommend: { alias: "no-such-alias", userIds: ["u1"], k: 10 } } },
        { requestId: "partial-3", task: probe({ case: "partial" }) },
      ],
    });
    expect(res.results.map((r) => r.result)).toEqual(["task", "error", "error", "task"]);
    expect(res.results[1].error?.code).toBe(Code.INVALID_ARGUMENT);
    expect(entryFields(res.results[1].error)).toEqual(["requests[1].task.probe.work_ms"]);
    expect(res.results[2].error?.code).toBe(Code.INVALID_ARGUMENT);
    expect(entryFields(res.results[2].error)).toEqual(["requests[2].task.recommend.alias"]);
    const ids = [res.results[0].task!.id, res.results[3].task!.id];
    expect(res.results[3].task?.requestId).toBe("partial-3");
    for (const r of [res.results[0], res.results[3]]) expect(r.task?.status?.state).toBe("TASK_STATE_QUEUED");
    // Both stored tasks run; one WatchTasks by ids ends after the last one finishes.
    const events = await watchTasks(stack.client, { taskIds: ids }).ended;
    expect(new Set(events.filter((e) => e.event === "succeeded").map((e) => e.taskId))).toEqual(new Set(ids));
  });

  it("stores nothing of an all-or-nothing batch with one bad entry, and names every bad field", async () => {
    const before = await stored(stack);
    const err = await batch(stack.client, {
      allOrNothing: true,
      requests: [{ task: probe() }, { task: { probe: { workMs: 99_999_999 } } }, { task: probe() }, { requestId: "bad id with spaces", task: probe() }],
    }).then(() => undefined, (e: ServiceError) => e);
    expect(err?.code).toBe(Code.INVALID_ARGUMENT);
    expect(fieldViolations(err!)).toEqual(["requests[1].task.probe.work_ms", "requests[3].request_id"]);
    expect(await stored(stack)).toEqual(before);
    // The same batch without the bad entries is stored whole.
    const ok = await batch(stack.client, { allOrNothing: true, requests: [{ task: probe() }, { task: probe() }] });
    expect(ok.results.every((r) => r.task?.status?.state === "TASK_STATE_QUEUED")).toBe(true);
  });

  it("is idempotent per entry: a repeated batch returns the same tasks and stores only the new entries", async () => {
    const first = await batch(stack.client, { requests: [{ requestId: "idem-a", task: probe() }, { requestId: "idem-b", task: probe() }] });
    const idA = first.results[0].task!.id;
    const idB = first.results[1].task!.id;
    await watchTasks(stack.client, { taskIds: [idA, idB] }).ended;
    const before = await stored(stack);
    const again = await batch(stack.client, {
      requests: [{ requestId: "idem-a", task: probe() }, { requestId: "idem-c", task: probe() }, { requestId: "idem-b", task: probe() }],
    });
    expect(again.results.map((r) => r.task?.id)).toEqual([idA, expect.stringMatching(/^r_/), idB]);
    // The repeats are the finished tasks, not new ones; only idem-c added its Queued event and message.
    expect(again.results[0].task?.status?.state).toBe("TASK_STATE_SUCCEEDED");
    expect(again.results[2].task?.status?.state).toBe("TASK_STATE_SUCCEEDED");
    const after = await stored(stack);
    expect(after[1] - before[1]).toBeGreaterThanOrEqual(1);
    const events = await watchTasks(stack.client, { taskIds: [idA, again.results[1].task!.id] }).ended;
    expect(events.filter((e) => e.event === "queued").map((e) => e.taskId).sort()).toEqual([idA, again.results[1].task!.id].sort());
    // Two entries with one request id cannot be one task: the second is refused, the first stored.
    const dup = await batch(stack.client, { requests: [{ requestId: "idem-d", task: probe() }, { requestId: "idem-d", task: probe() }] });
    expect(dup.results[0].task?.id).toMatch(/^r_/);
    expect(dup.results[1].error?.code).toBe(Code.INVALID_ARGUMENT);
    expect(entryFields(dup.results[1].error)).toEqual(["requests[1].request_id"]);
  });

  it("answers an accepted request id with its task before looking at the alias, as SubmitTask does", async () => {
    // Accepted by model id; the retry names an alias that does not exist (gone since, or a changed spec).
    const first = await call<object, Task__Output>(stack.client.SubmitTask.bind(stack.client), { requestId: "alias-order", task: probe() }, { deadlineMs: 10_000 });
    const retry = { requestId: "alias-order", task: { recommend: { alias: "no-such-alias", userIds: ["u1"], k: 1 } } };
    const unary = await call<object, Task__Output>(stack.client.SubmitTask.bind(stack.client), retry, { deadlineMs: 10_000 });
    const batched = await batch(stack.client, { requests: [retry, { task: { recommend: { alias: "no-such-alias", userIds: ["u1"], k: 1 } } }] });
    expect(unary.id).toBe(first.id);
    expect(batched.results[0].task?.id).toBe(first.id);
    // A new task naming the missing alias is still refused.
    expect(entryFields(batched.results[1].error)).toEqual(["requests[1].task.recommend.alias"]);
  });

  it("follows tasks created after the watch began that match its selector, and only those", async () => {
    const early = await stack.submit(probe({ batch: "nightly-42" }));
    const w = watchTasks(stack.client, { labelSelector: "batch=nightly-42,tier!=gold" });
    try {
      // The watch is running once it has replayed the earlier task's end.
      await waitFor(() => w.events.some((e) => e.taskId === early.id && TERMINAL.has(e.event ?? "")), 20_000, "the early task's events");
      const res = await batch(stack.client, {
        requests: [
          ...Array.from({ length: 5 }, () => ({ task: probe({ batch: "nightly-42" }, 20) })),
          { task: probe({ batch: "nightly-43" }) },
          { task: probe({ batch: "nightly-42", tier: "gold" }) },
          { task: probe() },
        ],
      });
      const wanted = res.results.slice(0, 5).map((r) => r.task!.id);
      const unwanted = res.results.slice(5).map((r) => r.task!.id);
      await waitFor(() => wanted.every((id) => w.events.some((e) => e.taskId === id && e.event === "succeeded")), 30_000, "the later tasks' ends");
      const seen = new Set(w.events.map((e) => e.taskId));
      expect(seen).toEqual(new Set([early.id, ...wanted]));
      for (const id of unwanted) expect(seen.has(id)).toBe(false);
      // One stream, in stream order; each later task from its Queued event to its end.
      const seqs = w.events.map((e) => e.sequence);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      for (const id of wanted) {
        const mine = w.events.filter((e) => e.taskId === id).map((e) => e.event);
        expect(mine[0]).toBe("queued");
        expect(mine.at(-1)).toBe("succeeded");
      }
    } finally {
      w.cancel();
      await w.ended;
    }
  });

  it("resumes from a sequence: exactly the matching events after it, in order", async () => {
    const res = await batch(stack.client, { requests: Array.from({ length: 6 }, () => ({ task: probe({ batch: "resume-1" }, 10) })) });
    const ids = res.results.map((r) => r.task!.id);
    const all = await watchTasks(stack.client, { taskIds: ids }).ended;
    expect(all.filter((e) => TERMINAL.has(e.event ?? ""))).toHaveLength(6);
    const cut = all[Math.floor(all.length / 2)].sequence;
    const expected = all.filter((e) => e.sequence > cut).map((e) => `${e.taskId}@${e.sequence}`);
    // By ids: ends after the last task's end.
    const byIds = await watchTasks(stack.client, { taskIds: ids, afterSequence: cut }).ended;
    expect(byIds.map((e) => `${e.taskId}@${e.sequence}`)).toEqual(expected);
    // By selector: the same events, then it keeps running until cancelled.
    const bySelector = watchTasks(stack.client, { labelSelector: "batch=resume-1", afterSequence: cut });
    await waitFor(() => bySelector.events.length >= expected.length, 20_000, "the resumed selector watch");
    bySelector.cancel();
    expect((await bySelector.ended).map((e) => `${e.taskId}@${e.sequence}`)).toEqual(expected);
    // Resumed after every listed task ended: nothing to send, the stream ends at once.
    expect(await watchTasks(stack.client, { taskIds: ids, afterSequence: all.at(-1)!.sequence }, 10_000).ended).toEqual([]);
  });

  it("serves a watcher of 10,000 tasks on one stream", async () => {
    const t0 = performance.now();
    const ids: string[] = [];
    for (let b = 0; b < 10; b++) {
      const res = await batch(stack.client, { requests: Array.from({ length: 1000 }, () => ({ task: { probe: { workMs: 0, progressSteps: 1 }, labels: { batch: "ten-k" } } })) });
      for (const r of res.results) ids.push(r.task!.id);
    }
    const submitMs = performance.now() - t0;
    expect(new Set(ids).size).toBe(10_000);
    const events = await watchTasks(stack.client, { taskIds: ids }, 300_000).ended;
    const totalMs = performance.now() - t0;
    const ends = events.filter((e) => TERMINAL.has(e.event ?? ""));
    expect(ends).toHaveLength(10_000);
    expect(ends.every((e) => e.event === "succeeded")).toBe(true);
    expect(new Set(ends.map((e) => e.taskId)).size).toBe(10_000);
    const seqs = events.map((e) => e.sequence);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
    console.info(`10,000 tasks: BatchSubmitTasks ${Math.round(submitMs)} ms (${Math.round(10_000 / (submitMs / 1000))} tasks/s), all ${events.length} events on one WatchTasks stream after ${Math.round(totalMs)} ms`);
  }, 320_000);

  describe("bad input: INVALID_ARGUMENT naming the field, nothing stored", () => {
    const cases: { name: string; run: () => Promise<unknown>; field: string }[] = [
      { name: "an empty batch", run: () => batch(stack.client, { requests: [] }), field: "requests" },
      { name: "a batch over the limit", run: () => batch(stack.client, { requests: Array.from({ length: 1001 }, () => ({ task: probe() })) }), field: "requests" },
      { name: "a malformed selector", run: () => watchTasks(stack.client, { labelSelector: "batch==a=b" }).ended, field: "label_selector" },
      { name: "a selector key with capitals", run: () => watchTasks(stack.client, { labelSelector: "Batch=x" }).ended, field: "label_selector" },
      { name: "an empty requirement", run: () => watchTasks(stack.client, { labelSelector: "a=b,,c" }).ended, field: "label_selector" },
      { name: "a set-based selector", run: () => watchTasks(stack.client, { labelSelector: "env in (a,b)" }).ended, field: "label_selector" },
      { name: "neither ids nor selector", run: () => watchTasks(stack.client, {}).ended, field: "task_ids" },
      { name: "both ids and selector", run: () => watchTasks(stack.client, { taskIds: ["t_01J00000000000000000000000"], labelSelector: "a=b" }).ended, field: "label_selector" },
      { name: "a bad task id", run: () => watchTasks(stack.client, { taskIds: ["nope"] }).ended, field: "task_ids[0]" },
    ];
    for (const c of cases) {
      it(`refuses ${c.name}`, async () => {
        const before = await stored(stack);
        const err = await c.run().then(() => undefined, (e: ServiceError) => e);
        expect(err?.code, err?.details).toBe(Code.INVALID_ARGUMENT);
        expect(fieldViolations(err!)).toEqual([c.field]);
        expect(await stored(stack)).toEqual(before);
      });
    }
  });
});
