// The gateway's live event feed across the loss of its consumer's node. The feed reads
// RECFLOW_EVENTS through ONE R1 consumer, which the cluster places on any one of the stream's
// three nodes: the nats-cluster fault test kills a random node and so loses it one run in three.
// Here that node is SIGKILLed on purpose, once while it also leads the stream (consumer and leader
// go at once) and once while another node leads it (events go on being stored while the feed has
// no consumer). Watches of running tasks must get the rest of their events soon after, each
// exactly once and in order, not only after a watch's 15 s idle re-read.
import { afterEach, describe, expect, it } from "vitest";
import { connect, type JetStreamManager, type NatsConnection } from "nats";
import type { TaskEvent__Output } from "../../src/generated/recflow/v1/TaskEvent.js";
import { terminalEvents, waitFor, type Stack } from "../helpers/stack.js";
import { stackOnCluster, startCluster, type TestCluster } from "../helpers/cluster.js";

const EVENTS = "RECFLOW_EVENTS";
const TASKS = 4;
/** Each task reports progress every 400 ms for 14 s, so it runs well past the fail-over. */
const PROBE = { workMs: 14_000, progressSteps: 35 };
/**
 * Longest an event may take from being stored to reaching a live watch across the fail-over.
 * Measured in 5 runs: 8-49 ms when the node also led the stream (nothing is stored before a new
 * leader is elected, and by then the feed reads by direct gets or through a new consumer), 11 ms-2.4 s when it did not (two
 * missed 1 s heartbeats, then direct gets until the new consumer is up). Before the feed watched
 * its consumer: 3.0-14.6 s (its 3 s stall check, else the watches' 15 s idle re-read).
 */
const MAX_LAG_MS = 6_000;

/** What one live watch saw: each event with when it arrived. */
interface Watched {
  events: TaskEvent__Output[];
  arrivedAt: number[];
}

describe("gateway event feed: SIGKILL of the node holding its consumer", () => {
  let cluster: TestCluster | undefined;
  let stack: Stack | undefined;
  let admin: NatsConnection | undefined;
  afterEach(async () => {
    await admin?.close();
    await stack?.close();
    await cluster?.stop();
  });

  it.each([
    { role: "leads", leads: true },
    { role: "follows", leads: false },
  ])("while that node $role the stream, live watches get every remaining event exactly once, in order, within seconds", async ({ leads }) => {
    cluster = await startCluster(3);
    stack = await stackOnCluster(cluster, { workers: 1, threads: TASKS });
    const s = stack;
    // The test's own view of the cluster: any node, so it outlives the one killed.
    admin = await connect({ servers: cluster.urls.split(","), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    const jsm = await admin.jetstreamManager({ timeout: 3_000 });

    const victim = await feedConsumerNode(jsm);
    await moveStreamLeader(admin, jsm, (leader) => (leader === victim) === leads);

    const tasks = await Promise.all(Array.from({ length: TASKS }, (_, i) => s.submit({ probe: PROBE }, `feed-failover-${i}`)));
    const watched = tasks.map((): Watched => ({ events: [], arrivedAt: [] }));
    const watches = tasks.map((t, i) => follow(s, t.id, watched[i]));
    // Every watch is live (a few progress events in) before the kill.
    await waitFor(() => watched.every((w) => w.events.filter((e) => e.event === "progress").length >= 3), 20_000, "watches live");

    const killedAt = Date.now();
    await cluster.node(victim).stop("SIGKILL");
    await Promise.all(watches);

    const lags = await Promise.all(watched.map((w) => worstLagAfter(jsm, w, killedAt)));
    const silences = watched.map((w) => longestSilenceAfter(w, killedAt));
    console.log(`killed ${victim} (the feed's consumer${leads ? " and the stream leader" : ""}); per watch after the kill, worst lag from stored to watch (ms): ${lags.join(", ")}; longest silence (ms, writers' wait for a new leader included): ${silences.join(", ")}`);
    for (const [i, w] of watched.entries()) {
      expect(terminalEvents(w.events), `task ${tasks[i].id}`).toHaveLength(1);
      expect(w.events.at(-1)?.event).toBe("succeeded");
      // Exactly once, in order: the live watch saw what the stream holds for the task, no more.
      const stored = await s.watch(tasks[i].id, 0, 20_000);
      expect(w.events.map((e) => e.sequence)).toEqual(stored.map((e) => e.sequence));
    }
    expect(Math.max(...lags)).toBeLessThan(MAX_LAG_MS);
  }, 120_000);
});

/** The node holding the gateway feed's consumer: the only consumer on RECFLOW_EVENTS. */
async function feedConsumerNode(jsm: JetStreamManager): Promise<string> {
  const consumers = await jsm.consumers.list(EVENTS).next();
  expect(consumers).toHaveLength(1);
  const node = consumers[0].cluster?.leader;
  expect(node).toMatch(/^n[123]$/);
  return node!;
}

/** Steps the stream's leader down until `wanted(leader)` (each election picks one of the other nodes). */
async function moveStreamLeader(nc: NatsConnection, jsm: JetStreamManager, wanted: (leader: string) => boolean): Promise<void> {
  for (let tries = 0; tries < 20; tries++) {
    const leader = await waitFor(() => streamLeader(jsm), 10_000, "a stream leader");
    if (wanted(leader)) return;
    await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${EVENTS}`, undefined, { timeout: 3_000 });
    await waitFor(async () => ![undefined, leader].includes(await streamLeader(jsm)), 10_000, "a new stream leader");
  }
  throw new Error(`${EVENTS} did not get the leader wanted`);
}

/** The stream's leader; undefined while it has none (an election: the request may time out). */
function streamLeader(jsm: JetStreamManager): Promise<string | undefined> {
  return jsm.streams.info(EVENTS).then((i) => i.cluster?.leader, () => undefined);
}

/** Watches the task to its end (the client resumes by sequence), noting when each event arrived. */
async function follow(s: Stack, taskId: string, into: Watched): Promise<void> {
  for await (const ev of s.rf.watch(taskId, { signal: AbortSignal.timeout(60_000) })) {
    into.events.push(ev);
    into.arrivedAt.push(Date.now());
  }
}

/**
 * The longest an event that arrived after `t` took from being stored (the stream's own timestamp)
 * to reaching the watch: the feed's delay, without the writers' wait for a new leader.
 */
async function worstLagAfter(jsm: JetStreamManager, w: Watched, t: number): Promise<number> {
  let worst = 0;
  for (const [i, ev] of w.events.entries()) {
    if (w.arrivedAt[i] < t) continue;
    const stored = await jsm.streams.getMessage(EVENTS, { seq: ev.sequence });
    worst = Math.max(worst, w.arrivedAt[i] - stored.time.getTime());
  }
  return worst;
}

/** The longest a watch went without an event after `t` (from `t` to its first event included). */
function longestSilenceAfter(w: Watched, t: number): number {
  let worst = 0;
  let previous = t;
  for (const at of w.arrivedAt) {
    if (at < t) continue;
    worst = Math.max(worst, at - previous);
    previous = at;
  }
  return worst;
}
