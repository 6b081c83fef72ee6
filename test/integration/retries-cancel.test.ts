import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code } from "@grpc/grpc-js";
import { Stack, deadLetters, codeOf, terminalEvents, waitFor } from "../helpers/stack.js";
import { toTimestamp } from "../../src/api/task-model.js";

describe("retries, permanent errors, cancellation and deadlines", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, threads: 2 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("retries a failing task with back-off and succeeds on attempt 3", async () => {
    const task = await stack.submit({ probe: { workMs: 10, failAttempts: 2 } });
    const events = await stack.watch(task.id);
    const retrying = events.filter((e) => e.event === "retrying");
    expect(retrying.map((e) => e.retrying?.attempt)).toEqual([1, 2]);
    expect(retrying.every((e) => e.status?.state === "TASK_STATE_RETRYING" && e.retrying?.error?.retryable === true)).toBe(true);
    expect(retrying.every((e) => (e.retrying?.nextAttemptTime?.seconds ?? 0) > 0)).toBe(true);
    expect(events.filter((e) => e.event === "started").map((e) => e.started?.attempt)).toEqual([1, 2, 3]);
    expect(terminalEvents(events)).toHaveLength(1);
    expect(events.at(-1)?.succeeded?.result?.probe?.attempt).toBe(3);
  });

  it("fails after max_retries + 1 attempts when every attempt fails", async () => {
    const task = await stack.submit({ probe: { workMs: 5, failAttempts: 5 }, maxRetries: 3 });
    const events = await stack.watch(task.id);
    expect(events.filter((e) => e.event === "started")).toHaveLength(4);
    expect(events.filter((e) => e.event === "retrying")).toHaveLength(3);
    const last = events.at(-1);
    expect(last?.event).toBe("failed");
    expect(last?.failed?.error?.reason).toBe("RETRIES_EXHAUSTED");
    expect(last?.failed?.error?.attempt).toBe(4);
    expect(terminalEvents(events)).toHaveLength(1);
  });

  it("fails a permanent error after one attempt and dead-letters it", async () => {
    const task = await stack.submit({ probe: { permanentError: true } });
    const events = await stack.watch(task.id);
    expect(events.filter((e) => e.event === "started")).toHaveLength(1);
    expect(events.filter((e) => e.event === "retrying")).toHaveLength(0);
    expect(events.at(-1)?.failed?.error?.reason).toBe("PROBE_PERMANENT_ERROR");
    expect(events.at(-1)?.failed?.error?.retryable).toBe(false);
    // This task's dead letter (other tests' tasks may be dead-lettered meanwhile).
    const dlq = await waitFor(async () => (await deadLetters(stack)).find((d) => d.task?.taskId === task.id), 5_000, "dead letter");
    expect(dlq.error?.reason).toBe("PROBE_PERMANENT_ERROR");
  });

  it("max_retries 0 means exactly one attempt", async () => {
    const task = await stack.submit({ probe: { failAttempts: 1 }, maxRetries: 0 });
    const events = await stack.watch(task.id);
    expect(events.filter((e) => e.event === "started")).toHaveLength(1);
    expect(events.at(-1)?.failed?.error?.reason).toBe("RETRIES_EXHAUSTED");
  });

  it("cancels a running task: the thread stops and Cancelled is the only terminal event", async () => {
    const task = await stack.submit({ probe: { workMs: 20_000, cpu: true, progressSteps: 100 } });
    await waitFor(async () => (await stack.get(task.id)).status?.state === "TASK_STATE_RUNNING", 10_000, "running");
    const cancelled = await stack.cancel(task.id, "user changed their mind");
    expect(cancelled.status?.state).toBe("TASK_STATE_CANCELLED");
    const events = await stack.watch(task.id);
    expect(terminalEvents(events).map((e) => e.event)).toEqual(["cancelled"]);
    expect(events.at(-1)?.cancelled?.reason).toBe("user changed their mind");
    // The worker stops the work and frees its thread: a new task starts promptly on it.
    const next = await stack.submit({ probe: { workMs: 10 } });
    const nextEvents = await stack.watch(next.id, 0, 10_000);
    expect(nextEvents.at(-1)?.event).toBe("succeeded");
    // The cancelled task's message was acked: nothing stays in the work queue.
    await waitFor(async () => (await stack.streamMessages("RECFLOW_TASKS")) === 0, 10_000, "empty work queue");
  });

  it("cancels a queued task before any worker runs it, and refuses to cancel a finished one", async () => {
    // Fill both threads, then queue one more.
    const busy = await Promise.all([1, 2].map(() => stack.submit({ probe: { workMs: 1500 } })));
    const queued = await stack.submit({ probe: { workMs: 10 } });
    const c = await stack.cancel(queued.id);
    expect(c.status?.state).toBe("TASK_STATE_CANCELLED");
    const events = await stack.watch(queued.id);
    expect(events.map((e) => e.event)).toEqual(["queued", "cancelled"]);
    for (const b of busy) await stack.watch(b.id);
    expect(await codeOf(stack.cancel(queued.id))).toBe(Code.FAILED_PRECONDITION);
    expect(await codeOf(stack.cancel(busy[0].id))).toBe(Code.FAILED_PRECONDITION);
    // The worker that later pulls the cancelled task acks it without running it.
    await waitFor(async () => (await stack.streamMessages("RECFLOW_TASKS")) === 0, 10_000, "cancelled task acked");
    const after = await stack.watch(queued.id);
    expect(after.map((e) => e.event)).toEqual(["queued", "cancelled"]);
  });

  it("fails with DEADLINE_EXCEEDED when the deadline passes while running", async () => {
    const task = await stack.submit({ probe: { workMs: 10_000 }, deadline: toTimestamp(Date.now() + 700) });
    const events = await stack.watch(task.id);
    const last = events.at(-1);
    expect(last?.event).toBe("failed");
    expect(last?.failed?.error?.reason).toBe("DEADLINE_EXCEEDED");
    expect(last?.failed?.error?.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(terminalEvents(events)).toHaveLength(1);
  });

  it("lists tasks page by page and filters by state", async () => {
    // Its own tasks of each state: what other tests left behind must not decide the outcome.
    const ok = await stack.submit({ probe: { workMs: 1 } });
    const bad = await Promise.all([1, 2].map(() => stack.submit({ probe: { permanentError: true } })));
    for (const t of [ok, ...bad]) await stack.watch(t.id);
    const all: string[] = [];
    let pageToken = "";
    do {
      const page = await new Promise<{ tasks: { id: string }[]; nextPageToken: string }>((resolve, reject) =>
        stack.client.ListTasks({ pageSize: 3, pageToken }, (err, res) => (err ? reject(err) : resolve(res!))));
      expect(page.tasks.length).toBeLessThanOrEqual(3);
      all.push(...page.tasks.map((t) => t.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining([ok.id, ...bad.map((t) => t.id)]));
    const failed = await new Promise<{ tasks: { id: string; status: { state: string } | null }[] }>((resolve, reject) =>
      stack.client.ListTasks({ pageSize: 1000, state: "TASK_STATE_FAILED" }, (err, res) => (err ? reject(err) : resolve(res as never))));
    const failedIds = failed.tasks.map((t) => t.id);
    expect(failedIds).toEqual(expect.arrayContaining(bad.map((t) => t.id)));
    expect(failedIds).not.toContain(ok.id);
    expect(failed.tasks.every((t) => t.status?.state === "TASK_STATE_FAILED")).toBe(true);
    expect(await codeOf(new Promise((res, rej) => stack.client.ListTasks({ pageToken: "garbage!" }, (e, r) => (e ? rej(e) : res(r)))))).toBe(Code.INVALID_ARGUMENT);
  });
});

describe("a task a worker has pulled but not started", () => {
  let stack: Stack;
  beforeAll(async () => {
    // One thread and one prefetched task: the second task waits in the worker for the thread.
    stack = await Stack.start({ workers: 1, threads: 1, env: { RECFLOW_PREFETCH: "1" } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("is Started only when a thread takes it, and once cancelled never starts at all", async () => {
    const busy = await stack.submit({ probe: { workMs: 1500, cpu: true } });
    await waitFor(async () => (await stack.get(busy.id)).status?.state === "TASK_STATE_RUNNING", 10_000, "busy task running");
    const waiting = await stack.submit({ probe: { workMs: 10 } });
    // Pulled by the worker (two unacked messages), yet its history says queued: no thread has it.
    await waitFor(async () => (await stack.jsm.consumers.info("RECFLOW_TASKS", "workers")).num_ack_pending === 2, 10_000, "task prefetched");
    expect((await stack.get(waiting.id)).status?.state).toBe("TASK_STATE_QUEUED");
    const next = await stack.submit({ probe: { workMs: 10 } });
    await stack.cancel(waiting.id);
    // The cancelled one is acked without ever being Started; the next one runs once the thread frees.
    expect((await stack.watch(waiting.id)).map((e) => e.event)).toEqual(["queued", "cancelled"]);
    expect(terminalEvents(await stack.watch(busy.id)).map((e) => e.event)).toEqual(["succeeded"]);
    expect(terminalEvents(await stack.watch(next.id)).map((e) => e.event)).toEqual(["succeeded"]);
    await waitFor(async () => (await stack.streamMessages("RECFLOW_TASKS")) === 0, 10_000, "queue drained");
    expect((await stack.watch(waiting.id)).map((e) => e.event)).toEqual(["queued", "cancelled"]);
  });
});
