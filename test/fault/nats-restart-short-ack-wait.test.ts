// Fault test (issue 12): a short NATS restart (SIGTERM, back on the same port and store 1.1 s
// later) while tasks run with a short ack wait. Attempts that were writing an event when NATS
// went away used to give up after one ack wait, stop heartbeating and leave their message to be
// redelivered: those tasks ran a second attempt. An attempt that still holds its message must
// keep retrying until its write lands, so every task runs once.
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { Stack, healthClient, servingStatus, startedBy, terminalEvents, waitFor, type HealthClient } from "../helpers/stack.js";

const ACK_WAIT_MS = 3_000;

describe("short NATS restart with a short ack wait", () => {
  let stack: Stack | undefined;
  let health: HealthClient | undefined;
  afterEach(async () => {
    health?.close();
    await stack?.close();
  });

  it("runs each task once: no task has two Started events, each has one terminal event", async () => {
    stack = await Stack.start({
      workers: 1,
      threads: 2,
      // The setting: a 3 s ack wait under the default 5 s PubAck wait. Two threads, so
      // two tasks are mid-run (and writing events) when NATS goes away.
      env: { RECFLOW_ACK_WAIT_MS: String(ACK_WAIT_MS), RECFLOW_PUBLISH_TIMEOUT_MS: "5000" },
    });
    health = healthClient(stack.address);
    const s = stack;
    const tasks = await Promise.all(Array.from({ length: 30 }, (_, i) => s.submit({ probe: { workMs: 500 } }, `short-ack-${i}`)));
    const submittedAt = Date.now();
    // The scenario's schedule is the fault itself: NATS goes down 2 s in, comes back 1.1 s later.
    await sleep(Math.max(0, submittedAt + 2_000 - Date.now()));
    const stoppedAt = Date.now();
    await s.nats.server.stop("SIGTERM");
    await sleep(Math.max(0, stoppedAt + 1_100 - Date.now()));
    await s.nats.server.restart();
    await waitFor(async () => (health && (await servingStatus(health))) === "SERVING", 20_000, "gateway SERVING again");

    const results = await Promise.all(tasks.map(async (t) => ({ id: t.id, events: await s.watch(t.id, 0, 60_000) })));
    const twice = results.filter((r) => startedBy(r.events).length !== 1).map((r) => `${r.id}: started by ${startedBy(r.events).join(",")}`);
    expect(twice, "tasks whose Started count is not 1").toEqual([]);
    for (const r of results) {
      expect(terminalEvents(r.events), r.id).toHaveLength(1);
      expect(r.events.at(-1)?.event, r.id).toBe("succeeded");
    }
    const abandoned = s.workers.flatMap((w) => w.logs).filter((l) => l.includes("attempt abandoned"));
    expect(abandoned).toEqual([]);
  });
});
