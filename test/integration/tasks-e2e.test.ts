import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code } from "@grpc/grpc-js";
import { Stack, codeOf, collectWatch, startedAttempts, terminalEvents } from "../helpers/stack.js";

describe("task lifecycle through gRPC, JetStream and a worker", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, threads: 2 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("streams Queued, Started, Progress…, Succeeded in order and GetTask agrees", async () => {
    const task = await stack.submit({ probe: { workMs: 300, progressSteps: 3 } });
    expect(task.id).toMatch(/^t_/);
    expect(task.status?.state).toBe("TASK_STATE_QUEUED");
    const events = await stack.watch(task.id);
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe("queued");
    expect(kinds[1]).toBe("started");
    expect(kinds.at(-1)).toBe("succeeded");
    expect(kinds.slice(2, -1).every((k) => k === "progress")).toBe(true);
    expect(kinds.filter((k) => k === "progress").length).toBeGreaterThanOrEqual(1);
    const seqs = events.map((e) => e.sequence);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(events.at(-1)?.succeeded?.result?.probe?.attempt).toBe(1);
    const got = await stack.get(task.id);
    expect(got.status?.state).toBe("TASK_STATE_SUCCEEDED");
    expect(got.lastSequence).toBe(events.at(-1)?.sequence);
    expect(got.spec?.probe?.workMs).toBe(300);
    expect(got.spec?.maxRetries).toBe(3);
    expect(got.result?.probe?.workMs).toBe(300);
  });

  it("is idempotent on request_id: same task, one execution", async () => {
    const requestId = `req-${Date.now()}`;
    const [a, b] = await Promise.all([
      stack.submit({ probe: { workMs: 100 } }, requestId),
      stack.submit({ probe: { workMs: 100 } }, requestId),
    ]);
    expect(a.id).toBe(b.id);
    const events = await stack.watch(a.id);
    expect(events.filter((e) => e.event === "queued")).toHaveLength(1);
    expect(startedAttempts(events)).toEqual([1]);
    expect(events.filter((e) => e.event === "started").length).toBeLessThanOrEqual(1);
    expect(terminalEvents(events)).toHaveLength(1);
    const again = await stack.submit({ probe: { workMs: 100 } }, requestId);
    expect(again.id).toBe(a.id);
    expect(again.status?.state).toBe("TASK_STATE_SUCCEEDED");
  });

  it("resumes a watch after a given sequence and serves two watchers the same events", async () => {
    const task = await stack.submit({ probe: { workMs: 400, progressSteps: 4 } });
    const [w1, w2] = await Promise.all([stack.watch(task.id), stack.watch(task.id)]);
    expect(w2.map((e) => e.sequence)).toEqual(w1.map((e) => e.sequence));
    const cut = w1[1].sequence;
    const resumed = await stack.watch(task.id, cut);
    expect(resumed.map((e) => e.sequence)).toEqual(w1.filter((e) => e.sequence > cut).map((e) => e.sequence));
    // Resuming after the terminal event: nothing left, and the stream ends at once.
    const started = Date.now();
    expect(await stack.watch(task.id, w1.at(-1)!.sequence, 5_000)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("answers NOT_FOUND for an unknown task and INVALID_ARGUMENT for a malformed id", async () => {
    const unknown = "t_00000000000000000000000000";
    expect(await codeOf(stack.get(unknown))).toBe(Code.NOT_FOUND);
    expect(await codeOf(collectWatch(stack.client, unknown))).toBe(Code.NOT_FOUND);
    expect(await codeOf(stack.cancel(unknown))).toBe(Code.NOT_FOUND);
    expect(await codeOf(stack.get("nope"))).toBe(Code.INVALID_ARGUMENT);
  });
});
