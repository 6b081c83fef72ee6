import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { Stack, waitFor } from "../helpers/stack.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";

describe("WatchTask with a slow client", () => {
  let stack: Stack;
  beforeAll(async () => {
    // No progress throttling: a probe with 1000 steps writes ~1000 events (~100 KB), more than the
    // HTTP/2 flow-control windows absorb, and a per-watch buffer of 16 events makes the overflow
    // certain rather than a matter of timing.
    stack = await Stack.start({ workers: 1, env: { RECFLOW_PROGRESS_INTERVAL_MS: "0", RECFLOW_LOG_LEVEL: "debug", RECFLOW_WATCH_BUFFER_EVENTS: "16" } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("delivers every event once and in order to a watcher that stopped reading for a while", async () => {
    const task = await stack.submit({ probe: { workMs: 2000, progressSteps: 1000 } });
    const events: TaskEvent__Output[] = [];
    const stream: ClientReadableStream<TaskEvent__Output> = stack.client.WatchTask({ taskId: task.id, afterSequence: 0 });
    const ended = new Promise<void>((resolve, reject) => {
      stream.on("end", () => resolve());
      stream.on("error", reject);
    });
    stream.on("data", (ev: TaskEvent__Output) => events.push(ev));
    // Read a few, then stop reading while the task produces hundreds of events: grpc-js
    // back-pressure reaches the gateway, whose per-watch buffer overflows and falls back to replay.
    await waitFor(() => events.length >= 3, 10_000, "first events");
    stream.pause();
    await waitFor(async () => (await stack.get(task.id)).status?.state === "TASK_STATE_SUCCEEDED", 20_000, "task done");
    stream.resume();
    await ended;
    const seqs = events.map((e) => e.sequence);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(events[0].event).toBe("queued");
    expect(events.at(-1)?.event).toBe("succeeded");
    // Hundreds of progress events (latest-wins coalescing stores fewer than the steps when appends
    // fall behind: 439 of them in one CI run); the overflow below is what the test is about.
    expect(events.filter((e) => e.event === "progress").length).toBeGreaterThan(250);
    // The slow watcher really overflowed the gateway's bounded buffer and was served by replay.
    expect(stack.gateway.logs.some((l) => l.includes("slow watcher overflowed"))).toBe(true);
    // Nothing skipped: the watch saw exactly the events the log holds.
    const full = await stack.watch(task.id);
    expect(seqs).toEqual(full.map((e) => e.sequence));
  });
});
