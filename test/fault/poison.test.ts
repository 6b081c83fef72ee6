// Fault tests: a poison task that makes every worker process exit. It must end FAILED, be copied
// to RECFLOW_DLQ, and not stop the other tasks from flowing. Two ways out: the attempt counter
// (attempt > max_retries + 1 → RETRIES_EXHAUSTED) and, when max_deliver is reached first, the
// MAX_DELIVERIES advisory.
import { afterEach, describe, expect, it } from "vitest";
import { Stack, deadLetters, superviseWorkers, terminalEvents, waitFor } from "../helpers/stack.js";

describe("poison tasks that crash the worker process or thread", () => {
  let stack: Stack | undefined;
  let supervisor: ReturnType<typeof superviseWorkers> | undefined;
  afterEach(async () => {
    supervisor?.stop();
    await stack?.close();
  });

  it("fails with RETRIES_EXHAUSTED after max_retries + 1 crashed attempts, dead-letters it, and other tasks keep flowing", async () => {
    stack = await Stack.start({ workers: 2, threads: 2 });
    supervisor = superviseWorkers(stack);
    const poison = await stack.submit({ probe: { crashProcess: true }, maxRetries: 1 });
    const others = await Promise.all(Array.from({ length: 20 }, () => stack!.submit({ probe: { workMs: 100 } })));
    const otherEvents = await Promise.all(others.map((t) => stack!.watch(t.id, 0, 40_000)));
    for (const events of otherEvents) {
      expect(terminalEvents(events).map((e) => e.event)).toEqual(["succeeded"]);
    }
    const events = await stack.watch(poison.id, 0, 40_000);
    expect(events.filter((e) => e.event === "started").map((e) => e.started?.attempt)).toEqual([1, 2]);
    expect(terminalEvents(events)).toHaveLength(1);
    const last = events.at(-1);
    expect(last?.event).toBe("failed");
    expect(last?.failed?.error?.reason).toBe("RETRIES_EXHAUSTED");
    expect(last?.failed?.error?.attempt).toBe(3);
    expect(supervisor.restarts()).toBeGreaterThanOrEqual(2);
    const dlq = await waitFor(async () => (await deadLetters(stack!)).find((d) => d.task?.taskId === poison.id), 10_000, "dead letter");
    expect(dlq.error?.reason).toBe("RETRIES_EXHAUSTED");
    await waitFor(async () => (await stack!.streamMessages("RECFLOW_TASKS")) === 0, 10_000, "work queue empty");
  });

  it("a task that kills its worker thread every time fails after max_retries, is dead-lettered, and the pool recovers", async () => {
    stack = await Stack.start({ workers: 1, threads: 2 });
    const poison = await stack.submit({ probe: { crashThread: true }, maxRetries: 2 });
    const others = await Promise.all(Array.from({ length: 10 }, () => stack!.submit({ probe: { workMs: 50 } })));
    for (const t of others) expect(terminalEvents(await stack.watch(t.id, 0, 30_000)).map((e) => e.event)).toEqual(["succeeded"]);
    const events = await stack.watch(poison.id, 0, 30_000);
    expect(events.filter((e) => e.event === "started").map((e) => e.started?.attempt)).toEqual([1, 2, 3]);
    expect(terminalEvents(events)).toHaveLength(1);
    expect(events.at(-1)?.failed?.error?.message).toMatch(/thread/);
    const dlq = await waitFor(async () => (await deadLetters(stack!)).find((d) => d.task?.taskId === poison.id), 10_000, "dead letter");
    expect(dlq.task?.taskId).toBe(poison.id);
    // The worker process survived (the thread died, not the process) and still takes work.
    expect(stack.workers[0].child.exitCode).toBeNull();
    const after = await stack.submit({ probe: { workMs: 10 } });
    expect(terminalEvents(await stack.watch(after.id, 0, 20_000)).map((e) => e.event)).toEqual(["succeeded"]);
  });

  it("is caught from the MAX_DELIVERIES advisory when max_deliver runs out first", async () => {
    const env = { RECFLOW_MAX_DELIVER: "2", RECFLOW_MAX_RETRIES_LIMIT: "1", RECFLOW_DEFAULT_MAX_RETRIES: "1" };
    stack = await Stack.start({ workers: 2, threads: 1, env });
    supervisor = superviseWorkers(stack);
    const poison = await stack.submit({ probe: { crashProcess: true } });
    const ok = await stack.submit({ probe: { workMs: 50 } });
    const events = await stack.watch(poison.id, 0, 40_000);
    expect(events.filter((e) => e.event === "started")).toHaveLength(2);
    expect(terminalEvents(events)).toHaveLength(1);
    const last = events.at(-1);
    expect(last?.failed?.error?.reason).toBe("MAX_DELIVERIES");
    expect(last?.failed?.error?.retryable).toBe(false);
    expect((await stack.get(poison.id)).status?.state).toBe("TASK_STATE_FAILED");
    const dlq = await waitFor(async () => (await deadLetters(stack!)).find((d) => d.task?.taskId === poison.id), 10_000, "dead letter");
    expect(dlq.error?.reason).toBe("MAX_DELIVERIES");
    expect(dlq.deliveries).toBe(2);
    expect(terminalEvents(await stack.watch(ok.id, 0, 20_000)).map((e) => e.event)).toEqual(["succeeded"]);
    // JetStream removed the exhausted message from the work queue only after we recorded it.
    await waitFor(async () => (await stack!.streamMessages("RECFLOW_TASKS")) === 0, 10_000, "work queue empty");
  });
});
