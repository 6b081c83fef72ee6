// Fault tests: a worker process is SIGKILLed mid-task. The task stays in JetStream (unacked),
// is redelivered after ack_wait to another worker, and every task ends with exactly one terminal
// event: nothing lost, nothing duplicated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAST_ENV, Stack, startedBy, stopProc, terminalEvents, waitFor } from "../helpers/stack.js";

const ACK_WAIT_MS = Number(FAST_ENV.RECFLOW_ACK_WAIT_MS);

describe("worker crash: redelivery to another worker", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 2, threads: 2 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("re-runs the task of a SIGKILLed worker on the other one, within ack_wait + 1 s", async () => {
    const task = await stack.submit({ probe: { workMs: 2_500, progressSteps: 25 } });
    const first = await waitFor(async () => {
      const t = await stack.get(task.id);
      return t.status?.state === "TASK_STATE_RUNNING" ? t : undefined;
    }, 10_000, "task running");
    expect(first.status?.attempt).toBe(1);
    const victimId = startedBy(await stack.eventsSoFar(task.id))[0];
    const victim = stack.workers.find((w) => w.ready.id === victimId);
    expect(victim, `worker ${victimId} among ${stack.workers.map((w) => w.name).join(",")}`).toBeDefined();

    const killedAt = Date.now();
    expect((await stopProc(victim!, "SIGKILL")).signal).toBe("SIGKILL");
    const all = await stack.watch(task.id, 0, 20_000);
    const restartedAt = Date.now();

    const starts = all.filter((e) => e.event === "started");
    expect(starts.map((e) => e.started?.attempt)).toEqual([1, 2]);
    const [a1, a2] = startedBy(all);
    expect(a1).toBe(victimId);
    expect(a2).not.toBe(victimId);
    expect(terminalEvents(all)).toHaveLength(1);
    expect(all.at(-1)?.event).toBe("succeeded");
    expect(all.at(-1)?.succeeded?.result?.probe?.attempt).toBe(2);
    // Re-execution starts once ack_wait has expired; the whole second run (2.5 s) follows it.
    const second = all.find((e) => e.event === "started" && e.started?.attempt === 2);
    // A missing time must fail here, not read as the epoch (a delay that passes any upper bound).
    const secondTime = second?.time;
    if (!secondTime) throw new Error("Started of attempt 2 carries no time");
    const restartDelayMs = Number(secondTime.seconds) * 1000 + Math.floor(secondTime.nanos / 1e6) - killedAt;
    expect(restartDelayMs).toBeGreaterThan(0);
    expect(restartDelayMs).toBeLessThanOrEqual(ACK_WAIT_MS + 1_000);
    expect(restartedAt - killedAt).toBeGreaterThan(2_500);
    // One writer at a time: sequences strictly increase, and Started(2) follows Started(1).
    const seqs = all.map((e) => Number(e.sequence));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    await waitFor(async () => (await stack.streamMessages("RECFLOW_TASKS")) === 0, 10_000, "work queue empty");
  });

  it("loses and duplicates nothing when a worker is killed while 50 tasks run", async () => {
    await stack.addWorker();
    const tasks = await Promise.all(Array.from({ length: 50 }, (_, i) => stack.submit({ probe: { workMs: 250 + (i % 5) * 50 } }, `crash-50-${i}`)));
    const watches = tasks.map((t) => stack.watch(t.id, 0, 45_000));
    await waitFor(async () => (await stack.get(tasks[8].id)).status?.state !== "TASK_STATE_QUEUED", 10_000, "work under way");
    const alive = stack.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    await stopProc(alive[0], "SIGKILL");
    const results = await Promise.all(watches);

    for (const events of results) {
      const terminals = terminalEvents(events);
      expect(terminals).toHaveLength(1);
      expect(terminals[0].event).toBe("succeeded");
      expect(events.at(-1)).toBe(terminals[0]);
    }
    // Every task's final state agrees with its stream.
    const states = await Promise.all(tasks.map(async (t) => (await stack.get(t.id)).status?.state));
    expect(new Set(states)).toEqual(new Set(["TASK_STATE_SUCCEEDED"]));
    // At least one task was caught mid-run by the kill and ran twice.
    expect(results.some((ev) => ev.filter((e) => e.event === "started").length >= 2)).toBe(true);
    await waitFor(async () => (await stack.streamMessages("RECFLOW_TASKS")) === 0, 10_000, "work queue empty");
  });
});
