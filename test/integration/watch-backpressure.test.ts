import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { Stack, waitFor } from "../helpers/stack.js";
import { createTasksClient, type TasksServiceClient } from "../../src/api/client.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";

describe("WatchTask with a slow client", () => {
  let stack: Stack;
  /**
   * A client whose HTTP/2 stream window is 256 bytes: a paused stream holds back the gateway after
   * a couple of events instead of after the default 64 KB, whatever the number of events the task
   * stores (latest-wins coalescing stores fewer on a loaded machine; they once all fit the window).
   */
  let slowClient: TasksServiceClient;
  beforeAll(async () => {
    // No progress throttling: a probe with 1000 steps writes ~1000 events (~100 KB), more than the
    // HTTP/2 flow-control windows absorb, and a per-watch buffer of 16 events makes the overflow
    // certain rather than a matter of timing.
    stack = await Stack.start({ workers: 1, env: { RECFLOW_PROGRESS_INTERVAL_MS: "0", RECFLOW_LOG_LEVEL: "debug", RECFLOW_WATCH_BUFFER_EVENTS: "16" } });
    slowClient = createTasksClient(stack.address, { "grpc-node.flow_control_window": 256 });
  });
  afterAll(async () => {
    slowClient?.close();
    await stack?.close();
  });

  it("delivers every event once and in order to a watcher that stopped reading for a while", async () => {
    const task = await stack.submit({ probe: { workMs: 2000, progressSteps: 1000 } });
    const events: TaskEvent__Output[] = [];
    const stream: ClientReadableStream<TaskEvent__Output> = slowClient.WatchTask({ taskId: task.id, afterSequence: 0 });
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
    // Many progress events: latest-wins coalescing stores fewer than the steps when appends fall
    // behind (174 of 1,000 with batch-watch running alongside). A few dozen overflow the buffer of
    // 16 behind a 256-byte window; the overflow below is what the test is about.
    expect(events.filter((e) => e.event === "progress").length).toBeGreaterThan(50);
    // The slow watcher really overflowed the gateway's bounded buffer (logged when it happens,
    // whether the watch was replaying history or waiting for live events) and was served by replay.
    expect(stack.gateway.logs.some((l) => l.includes("slow watcher overflowed"))).toBe(true);
    // Nothing skipped: the watch saw exactly the events the log holds.
    const full = await stack.watch(task.id);
    expect(seqs).toEqual(full.map((e) => e.sequence));
  });
});
