// Worker hosts whose clocks are off by minutes (Debian's libfaketime: w1 5 minutes ahead, w2 5
// minutes behind), on the network harness. Deadlines are instants in real time and recflow judges
// them by the NATS server's clock (src/nats/server-clock.ts): a task with a deadline a minute and
// a half away still runs on the host that is ahead, a deadline that passes mid-run fails the task
// when it passes (not five minutes later) on the host that is behind, retries wait their back-off
// and report a next-attempt time in real time, and every event carries real time.
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it, onTestFailed } from "vitest";
import { toTimestamp } from "../../src/api/task-model.js";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import { netnsUnsupportedReason } from "../helpers/netns.js";
import { LIBFAKETIME, NetCluster, offsetClockEnv } from "../helpers/net-cluster.js";
import { terminalEvents } from "../helpers/stack.js";
import { NemesisClients, eventMs } from "./nemesis-clients.js";

const unsupported = (await netnsUnsupportedReason()) ?? (existsSync(LIBFAKETIME) ? undefined : `no ${LIBFAKETIME} (Debian package faketime)`);
if (unsupported) console.warn(`skipping the clock-offset run: ${unsupported}`);

const OFFSETS: Record<string, string> = { w1: "+5m", w2: "-5m" };
const ENV: Record<string, string> = {
  RECFLOW_STREAM_REPLICAS: "3",
  RECFLOW_ACK_WAIT_MS: "3000",
  // Back-off 1–2 s (equal jitter on 2 s).
  RECFLOW_RETRY_BASE_MS: "2000",
  RECFLOW_RETRY_MAX_MS: "2000",
  RECFLOW_THREADS: "2",
  RECFLOW_PREFETCH: "0",
  RECFLOW_LOG_LEVEL: "warn",
};

describe.skipIf(unsupported !== undefined)("worker hosts with clocks off by minutes", () => {
  let cluster: NetCluster | undefined;
  let clients: NemesisClients | undefined;
  afterAll(async () => {
    clients?.close();
    await cluster?.stop();
  });

  it("keeps deadlines, retries and event times in real time", async () => {
    cluster = await NetCluster.start({ env: ENV, gatewayHosts: ["g1"], workerHosts: [] });
    const c = cluster;
    // A failure past start-up shows the NATS hosts' logs too (afterAll removes them).
    onTestFailed(() => console.error(c.diagnostics()));
    for (const [host, offset] of Object.entries(OFFSETS)) {
      await c.net.addHost(host);
      await c.startWorker(host, offsetClockEnv(offset));
    }
    clients = new NemesisClients([c.gatewayAddress("g1")]);
    const cl = clients;
    const run = async (spec: TaskSpec, requestId: string): Promise<{ events: TaskEvent__Output[]; endMs: number }> => {
      const t = await cl.submit(spec, requestId);
      const { events } = await cl.watchResuming(t.id, 0, 90_000);
      return { events, endMs: Date.now() };
    };
    const inMs = (ms: number): TaskSpec["deadline"] => toTimestamp(Date.now() + ms);

    // 1. A deadline 90 s away: runs and succeeds everywhere (w1 alone would think it 3.5 min past).
    const roomy = await Promise.all(Array.from({ length: 8 }, (_, i) => run({ probe: { workMs: 300 }, deadline: inMs(90_000) }, `roomy-${i}`)));
    // 2. A deadline 4 s away on 20 s of work: fails when it passes (w2 alone would wait 5 more minutes).
    const tight = await Promise.all(Array.from({ length: 4 }, async (_, i) => {
      const deadlineMs = Date.now() + 4_000;
      return { deadlineMs, ...(await run({ probe: { workMs: 20_000, progressSteps: 4 }, deadline: toTimestamp(deadlineMs) }, `tight-${i}`)) };
    }));
    // 3. One retryable failure, then success after the 1–2 s back-off.
    const retried = await Promise.all(Array.from({ length: 6 }, (_, i) => run({ probe: { workMs: 100, failAttempts: 1 }, maxRetries: 2, deadline: inMs(90_000) }, `retry-${i}`)));

    const all = [...roomy, ...tight, ...retried];
    const ranOn = (events: TaskEvent__Output[]): string[] => events.filter((e) => e.event === "started").map((e) => e.started?.workerId ?? "?");
    const report = {
      roomy: roomy.map((r) => `${terminalEvents(r.events)[0]?.event} on ${ranOn(r.events).join(",")}`),
      tight: tight.map((r) => `${terminalEvents(r.events)[0]?.event} ${terminalEvents(r.events)[0]?.failed?.error?.reason ?? ""} ${r.endMs - r.deadlineMs} ms after the deadline, on ${ranOn(r.events).join(",")}`),
      retried: retried.map((r) => {
        const retrying = r.events.find((e) => e.event === "retrying");
        const next = retrying?.retrying?.nextAttemptTime ? eventMs({ time: retrying.retrying.nextAttemptTime } as TaskEvent__Output) : Number.NaN;
        const second = r.events.filter((e) => e.event === "started")[1];
        return { on: ranOn(r.events).join(","), outcome: terminalEvents(r.events)[0]?.event, nextAttemptInMs: retrying ? next - eventMs(retrying) : null, secondStartAfterRetryingMs: second && retrying ? eventMs(second) - eventMs(retrying) : null };
      }),
      // Event times against this (the client host's, true) clock: the worst gap over every event.
      worstEventTimeSkewMs: Math.max(...all.flatMap((r) => r.events.map((e) => Math.abs(eventMs(e) - r.endMs)))),
    };
    console.log(`clock-offset report ${JSON.stringify(report, null, 2)}`);

    for (const r of roomy) expect(terminalEvents(r.events).map((e) => e.event)).toEqual(["succeeded"]);
    for (const r of tight) {
      expect(terminalEvents(r.events).map((e) => e.failed?.error?.reason)).toEqual(["DEADLINE_EXCEEDED"]);
      // Seen by the client within a few seconds after the deadline (not before it, not 5 min late).
      expect(r.endMs).toBeGreaterThanOrEqual(r.deadlineMs);
      expect(r.endMs - r.deadlineMs).toBeLessThan(5_000);
    }
    for (const r of report.retried) {
      expect(r.outcome).toBe("succeeded");
      // next_attempt_time is the back-off ahead of the Retrying event in real time, and the next
      // attempt started no earlier than that (less clock error between hosts).
      expect(r.nextAttemptInMs).toBeGreaterThanOrEqual(1_000);
      expect(r.nextAttemptInMs).toBeLessThanOrEqual(2_100);
      expect(r.secondStartAfterRetryingMs).toBeGreaterThanOrEqual(900);
    }
    // Every event's time is within the run's minutes of real time, not 5 minutes off.
    expect(report.worstEventTimeSkewMs).toBeLessThan(60_000);
    // Both hosts ran tasks, so both offsets were exercised.
    const hosts = new Set(all.flatMap((r) => ranOn(r.events)));
    expect([...hosts].sort()).toEqual(["w1", "w2"]);
  }, 300_000);
});
