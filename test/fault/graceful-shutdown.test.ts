// Fault tests: SIGTERM (a Kubernetes rollout). A worker finishes its in-flight work within the
// grace period, or hands it back to JetStream for another worker, and exits 0. A gateway ends
// open watches with UNAVAILABLE (clients resume with after_sequence elsewhere) and exits 0.
import { afterEach, describe, expect, it } from "vitest";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { createTasksClient } from "../../src/api/client.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";
import { Stack, collectWatch, spawnRecflow, startedBy, stopProc, terminalEvents, waitFor } from "../helpers/stack.js";

describe("graceful shutdown on SIGTERM", () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
  });

  const running = (s: Stack, id: string): Promise<unknown> =>
    waitFor(async () => (await s.get(id)).status?.state === "TASK_STATE_RUNNING", 10_000, "task running");

  it("a worker finishes its in-flight task before exiting 0", async () => {
    stack = await Stack.start({ workers: 1, threads: 1 });
    const task = await stack.submit({ probe: { workMs: 1_500 } });
    await running(stack, task.id);
    const exit = await stopProc(stack.workers[0], "SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    const events = await stack.watch(task.id, 0, 5_000);
    expect(events.filter((e) => e.event === "started")).toHaveLength(1);
    expect(terminalEvents(events).map((e) => e.event)).toEqual(["succeeded"]);
    expect(await stack.streamMessages("RECFLOW_TASKS")).toBe(0);
  });

  it("a worker hands back work that outlasts the grace period, and another worker completes it", async () => {
    stack = await Stack.start({ workers: 0, threads: 1 });
    const leaving = await stack.addWorker({ RECFLOW_SHUTDOWN_GRACE_MS: "300" });
    const task = await stack.submit({ probe: { workMs: 3_000, progressSteps: 30 } });
    await running(stack, task.id);
    const stopped = Date.now();
    expect(await stopProc(leaving, "SIGTERM")).toEqual({ code: 0, signal: null });
    // Exited quickly: grace (0.3 s) + the time to nak and close, not the 3 s of work.
    expect(Date.now() - stopped).toBeLessThan(2_500);
    // The task is not lost: it waits in the work queue for the next worker.
    expect((await stack.get(task.id)).status?.state).not.toMatch(/SUCCEEDED|FAILED|CANCELLED/);
    await stack.addWorker();
    const events = await stack.watch(task.id, 0, 20_000);
    expect(startedBy(events)).toEqual(["w1", "w2"]);
    expect(terminalEvents(events).map((e) => e.event)).toEqual(["succeeded"]);
  });

  it("a gateway ends open watches with UNAVAILABLE, exits 0, and a new gateway resumes them with after_sequence", async () => {
    stack = await Stack.start({ workers: 1, threads: 1 });
    const task = await stack.submit({ probe: { workMs: 2_000, progressSteps: 10 } });
    const seen: TaskEvent__Output[] = [];
    const watch = new Promise<ServiceError>((resolve, reject) => {
      const call = stack!.client.WatchTask({ taskId: task.id, afterSequence: 0 });
      call.on("data", (e: TaskEvent__Output) => seen.push(e));
      call.on("error", resolve);
      call.on("end", () => reject(new Error("watch ended without an error before the task finished")));
    });
    await waitFor(() => seen.some((e) => e.event === "progress"), 10_000, "progress seen");
    expect(await stopProc(stack.gateway, "SIGTERM")).toEqual({ code: 0, signal: null });
    expect((await watch).code).toBe(Code.UNAVAILABLE);

    const next = await spawnRecflow("gateway-2", ["gateway"], { ...stack.env, RECFLOW_GRPC_ADDRESS: "127.0.0.1:0" });
    const client = createTasksClient(`127.0.0.1:${Number(next.ready.port)}`);
    try {
      const lastSeen = Number(seen.at(-1)?.sequence);
      const rest = await collectWatch(client, task.id, lastSeen, 20_000);
      // Sequences are the event stream's: the resumed watch continues exactly where the first
      // stopped, and the two together equal a full replay (nothing lost, nothing repeated).
      const all = [...seen, ...rest];
      expect(Number(rest[0].sequence)).toBeGreaterThan(lastSeen);
      const replay = await collectWatch(client, task.id, 0, 10_000);
      expect(all.map((e) => Number(e.sequence))).toEqual(replay.map((e) => Number(e.sequence)));
      expect(terminalEvents(all).map((e) => e.event)).toEqual(["succeeded"]);
    } finally {
      client.close();
      await stopProc(next, "SIGKILL");
    }
  });
});
