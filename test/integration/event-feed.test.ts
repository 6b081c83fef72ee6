// The gateway's event feed in-process, on a real nats-server: watches of recent tasks come from
// the recent-events cache (no stream reads), the cache stays within its bounds as tasks come and
// go, and a task it forgot is replayed from the stream, complete and in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { makeEvent, type StoredEvent } from "../../src/api/task-model.js";
import { Broker, EventFeed, EventLog, ensureTopology } from "../../src/nats/index.js";
import { watchTask } from "../../src/gateway/task-watch.js";
import { startNats, type TestNats } from "../helpers/nats.js";

/** The real EventLog, counting the reads a watch makes from the stream. */
class CountingEventLog extends EventLog {
  reads = 0;
  override last(tenant: string, taskId: string): Promise<StoredEvent | null> {
    this.reads++;
    return super.last(tenant, taskId);
  }
  override async *after(tenant: string, taskId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<StoredEvent> {
    this.reads++;
    yield* super.after(tenant, taskId, afterSeq, signal);
  }
}

const KIND = "TASK_KIND_PROBE";
const CACHE_EVENTS = 40;

describe("event feed", () => {
  let nats: TestNats;
  let broker: Broker;
  let events: CountingEventLog;
  let feed: EventFeed;
  const log = createLogger({ level: "silent", name: "event-feed-test" });

  beforeAll(async () => {
    nats = await startNats();
    const config = compileConfig({ natsUrl: nats.url }, {});
    broker = await Broker.connect({ servers: [nats.url], name: "feed-test", publishTimeoutMs: 5_000 }, log);
    await ensureTopology(broker.jsm, config, log);
    events = new CountingEventLog(broker, config);
    feed = new EventFeed(broker, events, log, { cacheEvents: CACHE_EVENTS });
    await feed.start();
  });
  afterAll(async () => {
    await feed?.stop();
    await broker?.close();
    await nats?.stop();
  });

  /** Appends Queued, `steps` progress events and Succeeded; returns the sequences. */
  async function runTask(taskId: string, steps: number): Promise<number[]> {
    const seqs: number[] = [];
    let prev = null;
    const bodies = [
      { queued: { spec: { probe: { workMs: 0 } }, requestId: "" } },
      { started: { attempt: 1, workerId: "w" } },
      ...Array.from({ length: steps }, (_, i) => ({ progress: { fraction: (i + 1) / steps, message: `step ${i}`, metrics: {} } })),
      { succeeded: { result: { probe: { attempt: 1, workerId: "w", workMs: 0 } } } },
    ];
    for (const body of bodies) {
      const ev = makeEvent(taskId, prev, body, KIND);
      seqs.push(await events.append("default", taskId, ev, { expectedLastSeq: seqs.at(-1) ?? 0, msgId: `${taskId}:${seqs.length}` }));
      prev = ev.status as StoredEvent["status"];
    }
    return seqs;
  }

  const watchAll = (taskId: string, after = 0): Promise<number[]> => watchAllOf(feed, taskId, after);

  /** Polls `cond` until it holds; throws, naming `what`, if it does not within `timeoutMs`. */
  async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * A feed of the test's own, started at the stream's current end: what its cache holds depends on
   * this test's appends alone, whatever ran before (a shared feed's cache is full of other tasks).
   */
  async function withOwnFeed(cacheEvents: number, fn: (own: EventFeed) => Promise<void>): Promise<void> {
    const own = new EventFeed(broker, events, log, { cacheEvents });
    await own.start();
    try {
      await fn(own);
    } finally {
      await own.stop();
    }
  }

  async function watchAllOf(from: EventFeed, taskId: string, after = 0): Promise<number[]> {
    const seen: number[] = [];
    for await (const ev of watchTask({ feed: from, events, log }, "default", taskId, after, new AbortController().signal)) seen.push(ev.sequence);
    return seen;
  }

  it("serves a recent task's whole history from memory, with no stream read", async () => {
    await withOwnFeed(CACHE_EVENTS, async (own) => {
      const seqs = await runTask("t_recent_0001", 3);
      await until(() => own.cached.events === seqs.length, `the feed to cache the task's ${seqs.length} events`);
      // Keep the feed "flowing" (a delivery in the last second) while we watch.
      const before = events.reads;
      expect(await watchAllOf(own, "t_recent_0001")).toEqual(seqs);
      expect(await watchAllOf(own, "t_recent_0001", seqs[2])).toEqual(seqs.slice(3));
      expect(events.reads - before).toBe(0);
    });
  });

  it("stays within its bounds as tasks come and go, and replays a forgotten task from the stream", async () => {
    await withOwnFeed(CACHE_EVENTS, async (own) => {
      const all = new Map<string, number[]>();
      for (let i = 0; i < 12; i++) {
        const id = `t_many_${String(i).padStart(6, "0")}`;
        all.set(id, await runTask(id, 4)); // 7 events each: 84 in all, the cache holds 40
        expect(own.cached.events).toBeLessThanOrEqual(CACHE_EVENTS);
      }
      const last = [...all.keys()].at(-1)!;
      // Making room drops whole tasks, oldest first: once a sixth task's events reach the bound the
      // oldest goes, so after the last event the cache holds the newest five tasks, 35 events.
      await until(() => own.cached.tasks === 5 && own.cached.events === 35, "the cache to settle on the newest five tasks");
      const first = [...all.keys()][0];
      const before = events.reads;
      expect(await watchAllOf(own, first)).toEqual(all.get(first));
      expect(events.reads - before).toBeGreaterThan(0); // forgotten: read from the stream
      const reads = events.reads;
      await runTask("t_keepalive_01", 0); // a delivery, so the feed counts as flowing
      expect(await watchAllOf(own, last)).toEqual(all.get(last));
      expect(events.reads).toBe(reads); // the newest one is still in memory
      expect(own.cached.events).toBeLessThanOrEqual(CACHE_EVENTS);
    });
  });

  it("keeps the run it is adding to when that task is the oldest one in a full cache", async () => {
    // A long-running task is the oldest entry when it writes again: making room must not drop the
    // very run the event goes to (its count leaked, and the task was lost from memory).
    const own = new EventFeed(broker, events, log, { cacheEvents: 10 });
    await own.start(); // from the stream's end: an empty cache
    try {
      const id = "t_long_000001";
      const queued = await events.append("default", id, makeEvent(id, null, { queued: { spec: { probe: { workMs: 0 } }, requestId: "" } }, KIND), { expectedLastSeq: 0, msgId: `${id}:q` });
      for (let i = 0; i < 3; i++) await runTask(`t_fill_${String(i).padStart(6, "0")}`, 0); // 3 events each
      await until(() => own.cached.events === 10, "a full cache of 10 events");
      expect(own.cached).toMatchObject({ tasks: 4, events: 10 }); // full, the long task oldest
      const started = await events.append("default", id, makeEvent(id, null, { started: { attempt: 1, workerId: "w" } }, KIND), { expectedLastSeq: queued, msgId: `${id}:s` });
      // Room is made by dropping the oldest other task (3 events), not the long one.
      await until(() => own.cached.events === 8, "the oldest other task to be dropped");
      expect(own.cached).toMatchObject({ tasks: 3, events: 8 });
      const before = events.reads;
      const seen: number[] = [];
      const stop = new AbortController();
      for await (const ev of watchTask({ feed: own, events, log }, "default", id, 0, stop.signal)) {
        seen.push(ev.sequence);
        if (seen.length === 2) break;
      }
      expect(seen).toEqual([queued, started]);
      expect(events.reads).toBe(before); // its whole history was still in memory
    } finally {
      await own.stop();
    }
  });

  it("never serves a task's history from memory with a hole where an event could not be decoded", async () => {
    const id = "t_garbled_001";
    const q = await events.append("default", id, makeEvent(id, null, { queued: { spec: { probe: { workMs: 0 } }, requestId: "" } }, KIND), { expectedLastSeq: 0, msgId: `${id}:q` });
    const bad = await broker.requests.publish(`recflow.events.default.${id}`, new Uint8Array([0xff, 0xff, 0xff, 0xff]), { expectedLastSubjectSeq: q });
    await events.append("default", id, makeEvent(id, null, { succeeded: { result: { probe: { attempt: 1, workerId: "w", workMs: 0 } } } }, KIND), { expectedLastSeq: bad.seq, msgId: `${id}:d` });
    await runTask("t_keepalive_03", 0);
    // The stream has the damaged event, so the watch must fail there rather than skip it.
    await expect(watchAll(id)).rejects.toThrow();
  });

  it("hands over from history to live without loss or duplicates while the task runs", async () => {
    const id = "t_live_000001";
    const watched = watchAllLater(id);
    const seqs = await runTask(id, 20);
    expect(await watched).toEqual(seqs);
  });

  /** Starts watching once the task's first event exists (NOT_FOUND before that), within 10 s. */
  async function watchAllLater(taskId: string): Promise<number[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        return await watchAll(taskId);
      } catch (err) {
        if ((err as Error).name !== "NotFoundError" || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  }
});
