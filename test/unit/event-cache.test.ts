// The gateway's recent-events cache, the per-watch tap and the lazily decoded feed event, without
// NATS: bounds, eviction order, stream order, resume by sequence, overflow, and decoding only on read.
import { describe, expect, it } from "vitest";
import { taskEventCodec } from "../../src/api/codec.js";
import { makeEvent } from "../../src/api/task-model.js";
import { EventCache, type CacheableEvent } from "../../src/nats/event-cache.js";
import { IDLE, OVERFLOW, Tap } from "../../src/nats/event-tap.js";
import { FeedEvent, peekEventMember } from "../../src/nats/feed-event.js";

interface Ev extends CacheableEvent {
  task: string;
}

/** A stream: each event gets the next sequence; `first` for a task's first event. */
function stream(): (task: string, opts?: { size?: number; first?: boolean }) => Ev {
  let seq = 0;
  return (task, opts = {}) => ({ task, sequence: ++seq, size: opts.size ?? 10, first: opts.first ?? false });
}

const seqs = (evs: readonly Ev[] | undefined): number[] | undefined => evs?.map((e) => e.sequence);

describe("event cache", () => {
  it("keeps each task's events in stream order and resumes after any sequence it holds", () => {
    const next = stream();
    const cache = new EventCache<Ev>();
    const a = [next("a", { first: true }), next("b", { first: true }), next("a"), next("b"), next("a")];
    for (const ev of a) cache.add(ev.task, ev);
    expect(seqs(cache.after("a", 0))).toEqual([1, 3, 5]); // complete: from the start
    expect(seqs(cache.after("a", 1))).toEqual([3, 5]);
    expect(seqs(cache.after("a", 2))).toEqual([3, 5]); // a sequence between two of its events
    expect(seqs(cache.after("a", 5))).toEqual([]); // caught up
    expect(seqs(cache.after("a", 99))).toEqual([]);
    expect(cache.completeTail("a")?.sequence).toBe(5);
    expect(cache.after("nobody", 0)).toBeUndefined();
    expect(cache.stats).toEqual({ tasks: 2, events: 5, bytes: 50 });
  });

  it("ignores an event at or before the run's last one: the run stays in order", () => {
    const cache = new EventCache<Ev>();
    const first: Ev = { task: "a", sequence: 7, size: 10, first: true };
    cache.add("a", first);
    cache.add("a", { task: "a", sequence: 9, size: 10, first: false });
    cache.add("a", { task: "a", sequence: 9, size: 10, first: false });
    cache.add("a", { task: "a", sequence: 8, size: 10, first: false });
    expect(seqs(cache.after("a", 0))).toEqual([7, 9]);
    expect(cache.stats.events).toBe(2);
  });

  it("answers only when it holds every event after the sequence: an incomplete run does not cover older ones", () => {
    const next = stream();
    const cache = new EventCache<Ev>({ perTask: 4 });
    for (let i = 0; i < 6; i++) cache.add("a", next("a", { first: i === 0 }));
    // Five events made the run drop its older half: it holds 3..6 and no longer starts at Queued.
    expect(seqs(cache.after("a", 3))).toEqual([4, 5, 6]);
    // Resuming after 2 needs what came between 2 and 3, if anything: only the stream knows.
    expect(cache.after("a", 2)).toBeUndefined();
    expect(cache.after("a", 0)).toBeUndefined();
    expect(cache.completeTail("a")).toBeUndefined();
  });

  it("bounds a task by count and bytes, dropping the older half, never leaving a gap", () => {
    const next = stream();
    const cache = new EventCache<Ev>({ perTask: 8, taskBytes: 100 });
    for (let i = 0; i < 20; i++) {
      cache.add("a", next("a", { first: i === 0, size: 15 }));
      expect(cache.stats.events).toBeLessThanOrEqual(8);
      expect(cache.stats.bytes).toBeLessThanOrEqual(100);
      const held = seqs(cache.after("a", cache.after("a", 0) ? 0 : Number.MAX_SAFE_INTEGER)) ?? [];
      for (let k = 1; k < held.length; k++) expect(held[k]).toBe(held[k - 1] + 1);
    }
    expect(seqs(cache.after("a", 17))).toEqual([18, 19, 20]);
  });

  it("never keeps an event larger than a task's budget, and restarts the run after it", () => {
    const next = stream();
    const cache = new EventCache<Ev>({ taskBytes: 100 });
    cache.add("a", next("a", { first: true }));
    cache.add("a", next("a", { size: 101 }));
    expect(cache.after("a", 0)).toBeUndefined();
    expect(cache.stats.events).toBe(0);
    cache.add("a", next("a"));
    cache.add("a", next("a"));
    expect(seqs(cache.after("a", 3))).toEqual([4]);
    expect(cache.after("a", 2)).toBeUndefined(); // 2 was never kept
  });

  it("evicts whole tasks, least recently added to first, to stay within its total bounds", () => {
    const next = stream();
    const cache = new EventCache<Ev>({ totalEvents: 6 });
    for (const t of ["a", "b", "c"]) {
      cache.add(t, next(t, { first: true }));
      cache.add(t, next(t));
    }
    expect(cache.stats).toMatchObject({ tasks: 3, events: 6 });
    cache.add("a", next("a")); // a was added to last now: b is the oldest
    expect(cache.stats).toMatchObject({ tasks: 2, events: 5 });
    expect(cache.after("b", 0)).toBeUndefined();
    expect(seqs(cache.after("a", 0))).toEqual([1, 2, 7]);
    // By bytes too.
    const small = new EventCache<Ev>({ totalBytes: 25 });
    small.add("x", next("x", { first: true }));
    small.add("y", next("y", { first: true }));
    small.add("z", next("z", { first: true }));
    expect(small.stats).toMatchObject({ tasks: 2, bytes: 20 });
    expect(small.after("x", 0)).toBeUndefined();
  });

  it("keeps the run it is adding to when that task is the oldest one in a full cache", () => {
    const next = stream();
    const cache = new EventCache<Ev>({ totalEvents: 4 });
    cache.add("long", next("long", { first: true }));
    for (const t of ["b", "c", "d"]) cache.add(t, next(t, { first: true }));
    cache.add("long", next("long"));
    expect(seqs(cache.after("long", 0))).toEqual([1, 5]);
    expect(cache.after("b", 0)).toBeUndefined();
    expect(cache.stats).toMatchObject({ tasks: 3, events: 4 });
  });

  it("evicts pinned (watched) tasks last, and stops caching new ones when only pinned tasks are left", () => {
    const next = stream();
    const pinned = new Set(["a", "b"]);
    const cache = new EventCache<Ev>({ totalBytes: 30 }, (k) => pinned.has(k));
    cache.add("a", next("a", { first: true }));
    cache.add("b", next("b", { first: true }));
    cache.add("c", next("c", { first: true }));
    cache.add("d", next("d", { first: true })); // c goes, not the older pinned a and b
    expect(cache.after("a", 0) && cache.after("b", 0) && cache.after("d", 0)).toBeTruthy();
    expect(cache.after("c", 0)).toBeUndefined();
    pinned.add("d");
    cache.add("e", next("e", { first: true })); // nothing unpinned to evict: e is not kept
    expect(cache.after("e", 0)).toBeUndefined();
    expect(cache.stats).toMatchObject({ events: 3, bytes: 30 });
  });

  it("forgets a task's run on demand, so a hole is never served", () => {
    const next = stream();
    const cache = new EventCache<Ev>();
    cache.add("a", next("a", { first: true }));
    cache.add("a", next("a"));
    cache.forget("a");
    expect(cache.after("a", 0)).toBeUndefined();
    expect(cache.stats).toEqual({ tasks: 0, events: 0, bytes: 0 });
    cache.forget("never-seen");
  });
});

describe("tap", () => {
  it("hands over what was pushed, in order, and waits for more", async () => {
    const tap = new Tap<number>(4);
    tap.push(1);
    tap.push(2);
    const signal = new AbortController().signal;
    expect(await tap.take(signal, 5_000)).toEqual([1, 2]);
    const later = tap.take(signal, 5_000);
    tap.push(3);
    expect(await later).toEqual([3]);
  });

  it("overflows once its bound is passed: drops the buffer, says so once, then buffers again", async () => {
    let overflows = 0;
    const tap = new Tap<number>(2, () => overflows++);
    for (let i = 0; i < 10; i++) tap.push(i);
    expect(overflows).toBe(1);
    expect(tap.size).toBe(0);
    const signal = new AbortController().signal;
    expect(await tap.take(signal, 5_000)).toBe(OVERFLOW);
    tap.push(11);
    expect(await tap.take(signal, 5_000)).toEqual([11]);
  });

  it("says IDLE after a quiet while and null once aborted", async () => {
    const tap = new Tap<number>(2);
    expect(await tap.take(new AbortController().signal, 20)).toBe(IDLE);
    const stop = new AbortController();
    const waiting = tap.take(stop.signal, 60_000);
    stop.abort();
    expect(await waiting).toBeNull();
    expect(await tap.take(stop.signal, 60_000)).toBeNull();
  });
});

describe("feed event", () => {
  const KIND = "TASK_KIND_PROBE";
  const bodies = [
    { queued: { spec: { probe: { workMs: 5 }, labels: { batch: "b1" } }, requestId: "r" } },
    { started: { attempt: 1, workerId: "w" } },
    { progress: { fraction: 0.5, message: "half", metrics: { loss: 0.25 } } },
    { succeeded: { result: { probe: { attempt: 1, workerId: "w", workMs: 5 } } } },
    { failed: { error: { code: 13, reason: "X", message: "m", retryable: false, attempt: 1 } } },
    { cancelled: { reason: "user" } },
  ];

  it("knows which event it is from the top-level fields, the same as a full decode", () => {
    for (const body of bodies) {
      const bytes = taskEventCodec.encode(makeEvent("t_1", null, body, KIND));
      expect(peekEventMember(bytes)).toBe(taskEventCodec.decode(bytes).event);
    }
  });

  it("decodes on the first read only, once, and carries its sequence", () => {
    const bytes = taskEventCodec.encode(makeEvent("t_1", null, bodies[0], KIND));
    const fe = new FeedEvent("default", "t_1", 42, bytes);
    expect(fe).toMatchObject({ member: "queued", first: true, terminal: false, sequence: 42, size: bytes.length, decoded: false });
    const ev = fe.decode();
    expect(fe.decoded).toBe(true);
    expect(ev).toMatchObject({ taskId: "t_1", sequence: 42, event: "queued", queued: { spec: { labels: { batch: "b1" } } } });
    expect(fe.decode()).toBe(ev);
    expect(new FeedEvent("default", "t_1", 43, taskEventCodec.encode(makeEvent("t_1", null, bodies[3], KIND))).terminal).toBe(true);
  });

  it("refuses bytes whose top level is not protobuf, and fails on read when only the inside is broken", () => {
    expect(() => new FeedEvent("default", "t_1", 1, new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(/TaskEvent/);
    expect(() => new FeedEvent("default", "t_1", 1, new Uint8Array([0x52, 0x05, 0x01]))).toThrow(/truncated/); // field 10, 5 bytes promised
    // Field 10 (queued) holding bytes that are not a Queued message: found only by decoding.
    const inner = new FeedEvent("default", "t_1", 1, new Uint8Array([0x52, 0x02, 0xff, 0xff]));
    expect(inner.member).toBe("queued");
    expect(() => inner.decode()).toThrow();
  });
});
