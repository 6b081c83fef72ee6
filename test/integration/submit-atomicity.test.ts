// SubmitTask sends a task's Queued event and its work message together. When the work message is
// refused while Queued is stored (here: the work queue is full), no task may sit QUEUED forever:
// without a request id it is closed as FAILED (NOT_QUEUED); with one, the client's retry
// publishes it again and it runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code } from "@grpc/grpc-js";
import { Stack, codeOf, startedAttempts, terminalEvents } from "../helpers/stack.js";
import { taskIdForRequest } from "../../src/api/task-id.js";
import { call } from "../../src/api/client.js";
import type { ListTasksResponse__Output } from "../../src/generated/recflow/v1/ListTasksResponse.js";

describe("a submit whose work message is refused", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function setQueueLimit(maxMsgs: number): Promise<void> {
    const info = await stack.jsm.streams.info("RECFLOW_TASKS");
    await stack.jsm.streams.update("RECFLOW_TASKS", { ...info.config, max_msgs: maxMsgs });
  }

  it("leaves no task QUEUED without work: FAILED without a request id, re-published on a retry with one", async () => {
    const first = await stack.submit({ probe: { workMs: 10 } });
    await setQueueLimit(1); // the queue now holds `first` and refuses more
    expect(await codeOf(stack.submit({ probe: { workMs: 10 } }))).toBe(Code.UNAVAILABLE);
    const retried = taskIdForRequest("default", "atomicity-1");
    expect(await codeOf(stack.submit({ probe: { workMs: 10 } }, "atomicity-1"))).toBe(Code.UNAVAILABLE);

    const list = await call<object, ListTasksResponse__Output>(stack.client.ListTasks.bind(stack.client), { pageSize: 100 });
    const byState = (state: string): string[] => list.tasks.filter((t) => t.status?.state === state).map((t) => t.id);
    // The one without a request id was closed at once, so nothing waits for work that is not there.
    const failed = list.tasks.filter((t) => t.status?.state === "TASK_STATE_FAILED");
    expect(failed).toHaveLength(1);
    const lost = await stack.watch(failed[0].id);
    expect(lost.map((e) => e.event)).toEqual(["queued", "failed"]);
    expect(lost.at(-1)?.failed?.error).toMatchObject({ reason: "NOT_QUEUED", retryable: true });
    // The one with a request id stays QUEUED for its retry.
    expect(byState("TASK_STATE_QUEUED").sort()).toEqual([first.id, retried].sort());

    await setQueueLimit(-1);
    const again = await stack.submit({ probe: { workMs: 10 } }, "atomicity-1");
    expect(again.id).toBe(retried);
    await stack.addWorker();
    for (const id of [first.id, retried]) expect(terminalEvents(await stack.watch(id, 0, 20_000)).map((e) => e.event)).toEqual(["succeeded"]);
    // The retry of a task whose work message did arrive adds no second one.
    const twice = await stack.submit({ probe: { workMs: 10 } }, "atomicity-2");
    await stack.submit({ probe: { workMs: 10 } }, "atomicity-2");
    const events = await stack.watch(twice.id, 0, 20_000);
    expect(startedAttempts(events)).toEqual([1]);
    expect(events.filter((e) => e.event === "started").length).toBeLessThanOrEqual(1);
    expect(terminalEvents(events)).toHaveLength(1);
  });
});
