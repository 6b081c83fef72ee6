// A stored task event whose top level is protobuf but whose inside is not (a Started field holding
// garbage): the feed keeps it (the top-level peek passes), and the watches, which send events as
// their bytes, still check each one by a full decode before sending it. WatchTask skips and logs a
// live one, and fails on a cached one (the stream holds it too) after forgetting the task's run;
// WatchTasks skips and logs it. Against a real nats-server, with the feed and watches in process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { compileConfig } from "../../src/config.js";
import { DecodeError } from "../../src/api/codec.js";
import { makeEvent, type StoredEvent } from "../../src/api/task-model.js";
import { Broker, EventFeed, EventLog, FeedEvent, ensureTopology, watchTaskSet } from "../../src/nats/index.js";
import { eventSubject } from "../../src/nats/subjects.js";
import { watchTask } from "../../src/gateway/task-watch.js";
import { startNats, type TestNats } from "../helpers/nats.js";

const KIND = "TASK_KIND_PROBE";
/** Field 11 (started), two bytes that are not a Started message (a varint cut short). */
const BROKEN_STARTED = new Uint8Array([0x5a, 0x02, 0xff, 0xff]);

describe("undecodable stored events", () => {
  let nats: TestNats;
  let broker: Broker;
  let events: EventLog;
  let feed: EventFeed;
  const errors: { msg: string; taskId?: string; seq?: number }[] = [];
  const log = pino({ level: "error" }, { write: (line: string) => void errors.push(JSON.parse(line) as (typeof errors)[number]) });

  beforeAll(async () => {
    nats = await startNats();
    const config = compileConfig({ natsUrl: nats.url }, {});
    broker = await Broker.connect({ servers: [nats.url], name: "undecodable-events-test", publishTimeoutMs: 5_000 }, log);
    await ensureTopology(broker.jsm, config, log);
    events = new EventLog(broker, config);
    feed = new EventFeed(broker, events, log);
    await feed.start();
  });
  afterAll(async () => {
    await feed?.stop();
    await broker?.close();
    await nats?.stop();
  });

  /** Appends Queued (labelled), the broken event, then Succeeded, each once `before(i)` resolves; returns the sequences. */
  async function brokenTask(taskId: string, before: (i: number) => Promise<void> = () => Promise.resolve()): Promise<number[]> {
    await before(0);
    const queued = makeEvent(taskId, null, { queued: { spec: { probe: { workMs: 0 }, labels: { set: "broken" } }, requestId: "" } }, KIND);
    const q = await events.append("default", taskId, queued, { expectedLastSeq: 0, msgId: `${taskId}:q` });
    await before(1);
    const b = (await broker.js.publish(eventSubject("default", taskId), BROKEN_STARTED)).seq;
    await before(2);
    const done = makeEvent(taskId, queued.status as StoredEvent["status"], { succeeded: { result: { probe: { attempt: 1, workerId: "w", workMs: 0 } } } }, KIND);
    const s = await events.append("default", taskId, done, { expectedLastSeq: b, msgId: `${taskId}:s` });
    return [q, b, s];
  }

  const seqOf = (ev: StoredEvent | FeedEvent): number => ev.sequence;

  /** Until the feed's cache ends at `seq` for the task (its whole history, in memory). */
  async function cachedUpTo(taskId: string, seq: number): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (feed.cachedTail("default", taskId)?.sequence !== seq) {
      if (Date.now() > deadline) throw new Error(`the feed never cached ${taskId} up to ${seq}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it("WatchTask skips and logs a live one, and carries on to the end", async () => {
    const taskId = "t_broken_live";
    const seen: number[] = [];
    let watching: Promise<void> | undefined;
    const seqs = await brokenTask(taskId, async (i) => {
      if (i !== 1) return;
      // Its history (Queued) from the cache, without I/O: the watch waits on its tap before the
      // broken event is even published, so that one reaches it live.
      await cachedUpTo(taskId, (await events.last("default", taskId))!.sequence);
      let gotQueued!: () => void;
      const queuedSeen = new Promise<void>((r) => (gotQueued = r));
      watching = (async () => {
        for await (const ev of watchTask({ feed, events, log }, "default", taskId, 0, new AbortController().signal)) {
          seen.push(seqOf(ev));
          if (seen.length === 1) gotQueued();
        }
      })();
      await queuedSeen;
    });
    await watching;
    expect(seen).toEqual([seqs[0], seqs[2]]);
    expect(errors).toContainEqual(expect.objectContaining({ msg: "undecodable task event skipped", taskId, seq: seqs[1] }));
  });

  it("WatchTask fails on a cached one, and so does the next watch, from the stream", async () => {
    const taskId = "t_broken_cached";
    const seqs = await brokenTask(taskId);
    await cachedUpTo(taskId, seqs[2]);
    for (const from of ["cache", "stream"]) {
      const seen: number[] = [];
      const watching = (async () => {
        for await (const ev of watchTask({ feed, events, log }, "default", taskId, 0, new AbortController().signal)) seen.push(seqOf(ev));
      })();
      await expect(watching, from).rejects.toThrow(DecodeError);
      expect(seen, from).toEqual([seqs[0]]);
      // The run with the hole was forgotten: the next watch reads the stream.
      expect(feed.cachedTail("default", taskId), from).toBeUndefined();
    }
  });

  it("WatchTasks skips and logs one in its history read, by ids and by selector", async () => {
    const taskId = "t_broken_set";
    const seqs = await brokenTask(taskId);
    for (const set of [{ ids: new Set([taskId]) }, { matches: (labels: Record<string, string>) => labels.set === "broken" }]) {
      errors.length = 0;
      const seen: number[] = [];
      const stop = new AbortController();
      for await (const fe of watchTaskSet({ broker, events, feed, log }, "default", set, seqs[0] - 1, stop.signal)) {
        seen.push(fe.sequence);
        if (fe.sequence === seqs[2]) stop.abort(); // a selector watch runs until stopped
      }
      expect(seen).toEqual([seqs[0], seqs[2]]);
      expect(errors).toContainEqual(expect.objectContaining({ msg: "undecodable task event skipped", taskId, seq: seqs[1] }));
    }
  });
});
