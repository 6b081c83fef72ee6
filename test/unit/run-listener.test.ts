// RunListener's bookkeeping (src/client/run-listener.ts), with the stream's events fed by hand:
// which runs it takes, events that arrive before their run, a stream that fails (its runs go on
// alone), an aborted run, close, and one stream for many runs. The real stream is covered by
// test/integration/recflow-client.test.ts.
import { describe, expect, it } from "vitest";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";
import type { Task__Output } from "../../src/generated/recflow/v1/Task.js";
import { LISTENER_LABEL, RunListener } from "../../src/client/run-listener.js";
import type { TaskRun } from "../../src/client/task-run.js";

/** A stream the test pushes events into (or fails); records where each opening started. */
class FakeStream {
  opens: { selector: string; after: number; signal: AbortSignal }[] = [];
  #queue: (TaskEvent__Output | Error)[] = [];
  #wake: (() => void) | undefined;

  open = (selector: string, after: number, signal: AbortSignal): AsyncGenerator<TaskEvent__Output, void, undefined> => {
    this.opens.push({ selector, after, signal });
    return this.#events(signal);
  };

  async *#events(signal: AbortSignal): AsyncGenerator<TaskEvent__Output, void, undefined> {
    for (;;) {
      if (signal.aborted) return;
      const next = this.#queue.shift();
      if (next instanceof Error) throw next;
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
  }

  push(...items: (TaskEvent__Output | Error)[]): void {
    this.#queue.push(...items);
    this.#wake?.();
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function task(listener: RunListener, id: string, seq: number, extra: Partial<Task__Output> = {}): Task__Output {
  return {
    id, requestId: "", spec: { labels: listener.labels } as Task__Output["spec"], status: { state: "TASK_STATE_QUEUED" } as Task__Output["status"],
    result: null, error: null, lastSequence: String(seq) as unknown as number, ...extra,
  };
}

function ev(taskId: string, seq: number, kind: "queued" | "started" | "partialResult" | "succeeded" | "failed"): TaskEvent__Output {
  const base = { taskId, sequence: String(seq), time: null, status: { state: "TASK_STATE_RUNNING", attempt: 1, traceId: "" } } as unknown as TaskEvent__Output;
  if (kind === "succeeded") return { ...base, event: "succeeded", succeeded: { result: { probe: { attempt: 1, workerId: "w", workMs: 0 } } } } as unknown as TaskEvent__Output;
  if (kind === "failed") return { ...base, event: "failed", failed: { error: { code: 13, message: "boom", reason: "BOOM", retryable: false, attempt: 1, details: [] } } } as unknown as TaskEvent__Output;
  if (kind === "partialResult") return { ...base, event: "partialResult", partialResult: { chunkIndex: 0, recommendations: [], neighbours: [] } } as unknown as TaskEvent__Output;
  return { ...base, event: kind };
}

const noAlone = (): Promise<TaskRun> => Promise.reject(new Error("not expected to follow alone"));

describe("RunListener", () => {
  it("follows many runs on one stream opened just before the first run's Queued", async () => {
    const s = new FakeStream();
    const l = new RunListener(s.open, noAlone);
    const a = l.follow(task(l, "a", 10))!;
    const b = l.follow(task(l, "b", 12))!;
    expect(s.opens).toHaveLength(1);
    expect(s.opens[0].selector).toBe(`${LISTENER_LABEL}=${l.id}`);
    expect(s.opens[0].after).toBe(9);
    s.push(ev("a", 10, "queued"), ev("b", 12, "queued"), ev("b", 13, "partialResult"), ev("b", 14, "succeeded"), ev("a", 15, "succeeded"));
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.taskId).toBe("a");
    expect(rb.partials).toHaveLength(1);
    l.close(new Error("done"));
  });

  it("keeps events that arrive before their run, and hands them over", async () => {
    const s = new FakeStream();
    const l = new RunListener(s.open, noAlone);
    const first = l.follow(task(l, "first", 5))!;
    // "late"'s whole life arrives before its submit returns.
    s.push(ev("late", 6, "queued"), ev("late", 7, "partialResult"), ev("late", 8, "succeeded"));
    await tick();
    const late = await l.follow(task(l, "late", 6))!;
    expect(late.partials).toHaveLength(1);
    s.push(ev("first", 9, "succeeded"));
    await expect(first).resolves.toMatchObject({ taskId: "first" });
    l.close(new Error("done"));
  });

  it("declines what the stream cannot promise: a task whose Queued precedes the stream, an old or foreign task", () => {
    const s = new FakeStream();
    const l = new RunListener(s.open, noAlone);
    const pending = l.follow(task(l, "b", 20))!;
    expect(pending).toBeInstanceOf(Promise);
    // The stream started after sequence 19: a task queued at 15 may have events before it.
    expect(l.follow(task(l, "a", 15))).toBeUndefined();
    // A request id that found a task already running, or a task without this client's label.
    expect(l.follow(task(l, "c", 30, { status: { state: "TASK_STATE_RUNNING" } as Task__Output["status"] }))).toBeUndefined();
    expect(l.follow(task(l, "d", 31, { spec: { labels: {} } as Task__Output["spec"] }))).toBeUndefined();
    l.close(new Error("closed"));
    return expect(pending).rejects.toThrow("closed");
  });

  it("follows each pending run alone when the shared stream fails", async () => {
    const s = new FakeStream();
    const alone: string[] = [];
    const l = new RunListener(s.open, (taskId) => {
      alone.push(taskId);
      return Promise.resolve({ taskId, result: {}, partials: [], attempt: 1, traceId: "" });
    });
    const a = l.follow(task(l, "a", 3))!;
    const b = l.follow(task(l, "b", 4))!;
    s.push(ev("a", 3, "queued"), new Error("PERMISSION_DENIED"));
    await expect(Promise.all([a, b])).resolves.toHaveLength(2);
    expect(alone.sort()).toEqual(["a", "b"]);
    // The next run opens a new stream.
    const c = l.follow(task(l, "c", 9))!;
    expect(s.opens).toHaveLength(2);
    expect(s.opens[1].after).toBe(8);
    s.push(ev("c", 9, "failed"));
    await expect(c).rejects.toMatchObject({ name: "TaskFailedError" });
    l.close(new Error("done"));
  });

  it("rejects only the run whose signal aborts; the stream closes once idle", async () => {
    const s = new FakeStream();
    const l = new RunListener(s.open, noAlone, 20);
    const ac = new AbortController();
    const a = l.follow(task(l, "a", 3), ac.signal)!;
    const b = l.follow(task(l, "b", 4))!;
    ac.abort(new Error("user gave up"));
    await expect(a).rejects.toThrow("user gave up");
    s.push(ev("b", 5, "succeeded"));
    await expect(b).resolves.toMatchObject({ taskId: "b" });
    expect(s.opens[0].signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(s.opens[0].signal.aborted).toBe(true);
    l.close(new Error("done"));
  });
});
