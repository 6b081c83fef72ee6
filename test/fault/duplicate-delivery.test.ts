// A task with two work messages at once: the queue janitor (src/nats/queue-janitor.ts) publishes a
// message again when the work-queue consumer passed over it, and on a cluster after a leader
// change that can happen while the first message is still being worked on here. The second
// delivery is fenced (its log shows the first attempt's Started); the first attempt must stay
// known to the worker: counted as in flight, reached by a cancel, awaited at shutdown. It used to
// be forgotten, because the worker kept one entry per task and the second delivery replaced it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, terminalEvents, waitFor } from "../helpers/stack.js";
import { metricValue } from "../helpers/metrics.js";

describe("two work messages of one task on one worker", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, threads: 2, env: { RECFLOW_METRICS_ADDRESS: "127.0.0.1:0" } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("keeps the running attempt in flight and cancellable after the second delivery is fenced", async () => {
    const port = Number(stack.workers[0].ready.metricsPort);
    const task = await stack.submit({ probe: { workMs: 20_000 } });
    await waitFor(async () => (await stack.eventsSoFar(task.id)).some((e) => e.event === "started"), 10_000, "Started");

    // What the janitor does: the same task message again, under a new message id.
    const info = await stack.jsm.streams.info("RECFLOW_TASKS");
    expect(info.state.messages).toBe(1);
    const original = await stack.jsm.streams.getMessage("RECFLOW_TASKS", { seq: info.state.first_seq });
    await stack.nc.jetstream().publish(original.subject, original.data, { msgID: `${task.id}:requeued:${original.seq}` });

    await waitFor(async () => ((await metricValue(port, "recflow_task_attempts_total", { outcome: "fenced" })) ?? 0) >= 1, 10_000, "the second delivery fenced");
    // The first attempt still runs here, and the worker still counts it.
    expect(await metricValue(port, "recflow_worker_tasks_in_flight")).toBe(1);

    const cancelledAt = Date.now();
    await stack.cancel(task.id, "test");
    // The cancel signal reaches the running attempt: its job stops now, not when its 20 s are up.
    await waitFor(async () => ((await metricValue(port, "recflow_task_attempts_total", { outcome: "cancelled" })) ?? 0) >= 1, 10_000, "the running attempt cancelled");
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    const events = await stack.watch(task.id);
    expect(terminalEvents(events).map((e) => e.event)).toEqual(["cancelled"]);
    expect(events.filter((e) => e.event === "started")).toHaveLength(1);
  });
});
