// Live task events for a gateway: ONE ordered consumer on RECFLOW_EVENTS per gateway process,
// fanned out in memory to every watch of every task, instead of one NATS consumer per watch.
//
// A watch is "history, then live" without loss or duplicates at the hand-over: it taps the live
// feed first (buffering), then replays the stored history with direct gets, then drains the tap,
// dropping anything at or below the last sequence it sent. Because the tap exists before the
// history read starts, every event is either in the history read or in the tap (or both).
// A watcher that does not keep up (its buffer overflows) drops the buffer and replays again:
// events are durable, so a slow client costs reads, never unbounded gateway memory.
//
// Replays are served from a shared, bounded cache of recent events where they can be: the live
// loop keeps a gap-free run of each task's latest events, for every task it sees (the most recent
// ones when the budget is spent; watched tasks are kept first). Without it, hundreds of watchers of
// a busy task would each replay with one direct get per event, and the gateway would spend its CPU
// on NATS requests (measured: 400 stalled watchers of 4 busy tasks held a reading watcher up by
// 20 s; with the cache, milliseconds). A run that begins with the task's Queued event is the
// task's whole history: a watch of a recent task (the usual submit-then-watch) then needs no read
// of the stream at all.
import { DeliverPolicy, type ConsumerMessages } from "nats";
import type { Logger } from "../log.js";
import { isTerminalEvent, type StoredEvent } from "../api/task-model.js";
import { NotFoundError } from "../errors.js";
import type { Broker } from "./connection.js";
import { decodeStoredEvent, type EventLog } from "./event-log.js";
import { EVENTS_STREAM, EVENTS_SUBJECTS, eventSubject, parseTaskSubject } from "./subjects.js";

export const OVERFLOW = Symbol("overflow");
export const IDLE = Symbol("idle");
/** A watch with no live event for this long re-reads the stream once (one direct get). */
export const RESYNC_IDLE_MS = 15_000;
/** A feed that delivered something this recently is trusted to be current (see watch). */
const FEED_FRESH_MS = 1_000;
/** A stuck feed is restarted at most this often. */
const RESTART_MIN_INTERVAL_MS = 5_000;
/** Pause before re-opening the live consumer after it failed. */
const REOPEN_DELAY_MS = 500;
/** Recent events kept per task (count and bytes), and bytes across all tasks. */
const CACHE_PER_TASK = 2048;
const CACHE_TASK_BYTES = 4 * 1024 * 1024;
const CACHE_TOTAL_BYTES = 64 * 1024 * 1024;
/** Decoded events kept across all tasks (a decoded event takes several times its encoded size). */
const CACHE_TOTAL_EVENTS = 32_768;
/**
 * Tasks whose labels are kept (from their Queued event), so a WatchTasks selector is matched
 * without a NATS read per event; a task that fell out is read once (its first event) when needed.
 */
const LABELS_CACHED_TASKS = 65_536;

export interface EventFeedOptions {
  /** Live events a watch buffers before it falls back to a replay. @default 256 */
  maxBufferedPerWatch?: number;
  /** Events the recent-events cache keeps across all tasks. @default 32768 */
  cacheEvents?: number;
}

/** How one history read of a watch goes (see EventFeed.#history). */
interface HistoryPass {
  until?: number;
  storeOnly?: boolean;
}

/** A gap-free run of one task's latest events, in stream order. */
class RecentEvents {
  events: StoredEvent[] = [];
  sizes: number[] = [];
  bytes = 0;
  /** The run starts at the task's first event (Queued), so it is the task's whole history so far. */
  get complete(): boolean {
    return this.events.length > 0 && this.events[0].event === "queued";
  }
  /** Drops the oldest `n` events (the rest stays a gap-free run); returns the bytes freed. */
  dropOldest(n: number): number {
    const freed = this.sizes.splice(0, n).reduce((a, b) => a + b, 0);
    this.events.splice(0, n);
    this.bytes -= freed;
    return freed;
  }
  /** Events after `last` if this run holds all of them (the watcher saw an event the run still holds, or the run is complete). */
  after(last: number): StoredEvent[] | undefined {
    const ev = this.events;
    if (ev.length === 0 || (last < ev[0].sequence && !this.complete)) return undefined;
    let lo = 0;
    let hi = ev.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ev[mid].sequence <= last) lo = mid + 1;
      else hi = mid;
    }
    return ev.slice(lo);
  }
}

/** A bounded buffer of live events for one watch (see EventFeed.watch and task-set-watch.ts). */
export class Tap {
  readonly buffer: StoredEvent[] = [];
  overflowed = false;
  #wake: (() => void) | undefined;
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  push(ev: StoredEvent): void {
    if (this.overflowed) return;
    if (this.buffer.length >= this.#max) {
      this.buffer.length = 0;
      this.overflowed = true;
    } else {
      this.buffer.push(ev);
    }
    this.#wake?.();
  }
  /**
   * Buffered events, OVERFLOW when some were dropped, or IDLE when nothing came for `idleMs`
   * (the caller then re-reads the stream: a live feed that stalled, e.g. across a NATS
   * fail-over, can delay a watch but never strand it); waits while there are none.
   */
  async take(signal: AbortSignal, idleMs: number): Promise<StoredEvent[] | typeof OVERFLOW | typeof IDLE | null> {
    while (this.buffer.length === 0 && !this.overflowed) {
      if (signal.aborted) return null;
      const timedOut = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => done(true), idleMs);
        const done = (idle: boolean): void => {
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          this.#wake = undefined;
          resolve(idle);
        };
        const onAbort = (): void => done(false);
        this.#wake = () => done(false);
        signal.addEventListener("abort", onAbort, { once: true });
      });
      if (timedOut) return IDLE;
    }
    if (this.overflowed) {
      this.overflowed = false;
      return OVERFLOW;
    }
    return this.buffer.splice(0, this.buffer.length);
  }
}

export class EventFeed {
  readonly #broker: Broker;
  readonly #log: EventLog;
  readonly #logger: Logger;
  readonly #taps = new Map<string, Set<Tap>>();
  readonly #recent = new Map<string, RecentEvents>();
  /** Taps of WatchTasks calls, by tenant: they get every event of the tenant's tasks. */
  readonly #tenantTaps = new Map<string, Set<Tap>>();
  /** Labels by event subject, oldest first (insertion order) for eviction. */
  readonly #labels = new Map<string, Record<string, string>>();
  #cachedBytes = 0;
  #cachedEvents = 0;
  readonly #maxBuffered: number;
  readonly #cacheEvents: number;
  #messages: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  #nextSeq = 1;
  #lastDeliveryAt = Number.NEGATIVE_INFINITY;
  #lastRestartAt = Number.NEGATIVE_INFINITY;
  #stopped = false;

  constructor(broker: Broker, eventLog: EventLog, logger: Logger, options: EventFeedOptions = {}) {
    this.#broker = broker;
    this.#log = eventLog;
    this.#logger = logger;
    this.#maxBuffered = options.maxBufferedPerWatch ?? 256;
    this.#cacheEvents = options.cacheEvents ?? CACHE_TOTAL_EVENTS;
  }

  /** What the recent-events cache holds now (tasks, events, encoded bytes). */
  get cached(): { tasks: number; events: number; bytes: number } {
    return { tasks: this.#recent.size, events: this.#cachedEvents, bytes: this.#cachedBytes };
  }

  /** Number of watches being served now. */
  get watches(): number {
    let n = 0;
    for (const set of this.#taps.values()) n += set.size;
    for (const set of this.#tenantTaps.values()) n += set.size;
    return n;
  }

  /** Starts following the stream from its current end. Call before serving watches. */
  async start(): Promise<void> {
    const info = await this.#broker.jsm.streams.info(EVENTS_STREAM);
    this.#nextSeq = info.state.last_seq + 1;
    await this.#open();
    this.#loop = this.#follow();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#messages?.stop();
    await this.#loop?.catch(() => undefined);
  }

  /** An ordered consumer from the next sequence we have not seen. */
  async #open(): Promise<void> {
    const consumer = await this.#broker.js.consumers.get(EVENTS_STREAM, {
      filterSubjects: EVENTS_SUBJECTS,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.#nextSeq,
    });
    this.#messages = await consumer.consume({ max_messages: 2048 });
  }

  /**
   * Fans live events out to the taps. If the consumer ends or fails (e.g. the stream's leader
   * moved and the ordered consumer could not recover), it is re-opened from the next unseen
   * sequence, so the feed has no gap.
   */
  async #follow(): Promise<void> {
    while (!this.#stopped) {
      try {
        for await (const m of this.#messages!) {
          this.#nextSeq = m.seq + 1;
          this.#lastDeliveryAt = performance.now();
          this.#dispatch(m.subject, m.data, m.seq);
        }
        if (this.#stopped) return;
        this.#logger.warn({ nextSeq: this.#nextSeq }, "live event feed ended; re-opening it");
      } catch (err) {
        if (this.#stopped) return;
        this.#logger.warn({ err, nextSeq: this.#nextSeq }, "live event feed failed; re-opening it");
      }
      for (;;) {
        await new Promise((r) => setTimeout(r, REOPEN_DELAY_MS));
        if (this.#stopped) return;
        try {
          await this.#open();
          if (this.#stopped) {
            this.#messages?.stop(); // stop() ran while we were re-opening
            return;
          }
          break;
        } catch (err) {
          this.#logger.warn({ err }, "cannot re-open the live event feed yet");
        }
      }
    }
  }

  /**
   * A watch's resync read `seq` from the stream. If the feed has not delivered it and has been
   * silent for a while, it is stuck (e.g. an ordered consumer that stopped without an error):
   * restart it from the next unseen sequence (at most every few seconds).
   */
  #checkFeed(seq: number): void {
    const now = performance.now();
    if (seq < this.#nextSeq || now - this.#lastDeliveryAt < FEED_FRESH_MS || now - this.#lastRestartAt < RESTART_MIN_INTERVAL_MS) return;
    this.#lastRestartAt = now;
    this.#logger.warn({ nextSeq: this.#nextSeq, seenInStream: seq }, "live event feed is behind the stream; restarting it");
    this.#messages?.stop(); // #follow re-opens it from the next unseen sequence
  }

  #dispatch(subject: string, data: Uint8Array, seq: number): void {
    let ev: StoredEvent;
    try {
      ev = decodeStoredEvent({ data, seq });
    } catch (err) {
      this.#logger.error({ err, subject, seq }, "undecodable task event skipped");
      // The task's cached run would have a hole: forget it, so its watches read the stream.
      const r = this.#recent.get(subject);
      if (r) this.#drop(r, r.events.length);
      return;
    }
    this.#remember(subject, ev, data.length);
    if (ev.event === "queued") this.rememberLabels(subject, ev.queued?.spec?.labels ?? {});
    const taps = this.#taps.get(subject);
    if (taps) for (const tap of taps) tap.push(ev);
    if (this.#tenantTaps.size > 0) {
      const tenantTaps = this.#tenantTaps.get(parseTaskSubject(subject)?.tenant ?? "");
      if (tenantTaps) for (const tap of tenantTaps) tap.push(ev);
    }
  }

  /** A tap that receives every live event of the tenant's tasks until `close()`. */
  tapTenant(tenant: string, maxBuffered: number): { tap: Tap; close: () => void } {
    const tap = new Tap(maxBuffered);
    let set = this.#tenantTaps.get(tenant);
    if (!set) this.#tenantTaps.set(tenant, (set = new Set()));
    set.add(tap);
    return {
      tap,
      close: () => {
        set.delete(tap);
        if (set.size === 0 && this.#tenantTaps.get(tenant) === set) this.#tenantTaps.delete(tenant);
      },
    };
  }

  /** Keeps a task's labels (from its Queued event) for selector matching. */
  rememberLabels(subject: string, labels: Record<string, string>): void {
    this.#labels.delete(subject);
    this.#labels.set(subject, labels);
    if (this.#labels.size > LABELS_CACHED_TASKS) this.#labels.delete(this.#labels.keys().next().value!);
  }

  /**
   * A task's labels: from the cache, else from its first event (read once, then cached). Null when
   * the task has no events (or its Queued event is no longer retained).
   */
  async labelsOf(tenant: string, taskId: string): Promise<Record<string, string> | null> {
    const key = eventSubject(tenant, taskId);
    const cached = this.#labels.get(key);
    if (cached) return cached;
    const first = await this.#log.first(tenant, taskId);
    if (first?.event !== "queued") return null;
    const labels = first.queued?.spec?.labels ?? {};
    this.rememberLabels(key, labels);
    return labels;
  }

  #drop(r: RecentEvents, n: number): void {
    this.#cachedEvents -= Math.min(n, r.events.length);
    this.#cachedBytes -= r.dropOldest(n);
  }

  /**
   * Frees room for `size` more bytes by forgetting the oldest unwatched tasks; a watched one met on
   * the way, and `keep` (the task being added to), go to the back instead.
   */
  #evict(size: number, keep: string): void {
    let passes = this.#recent.size;
    for (const [key, r] of this.#recent) {
      if (this.#cachedBytes + size <= CACHE_TOTAL_BYTES && this.#cachedEvents < this.#cacheEvents) return;
      if (passes-- <= 0) return; // every task left is watched
      this.#recent.delete(key);
      if (key === keep || this.#taps.has(key)) this.#recent.set(key, r);
      else this.#drop(r, r.events.length);
    }
  }

  #remember(subject: string, ev: StoredEvent, size: number): void {
    let r = this.#recent.get(subject);
    if (!r) this.#recent.set(subject, (r = new RecentEvents()));
    if (size > CACHE_TASK_BYTES) {
      // Too big to keep: restart the run after it (a run must have no gaps).
      this.#drop(r, r.events.length);
      return;
    }
    while (r.events.length > 0 && (r.events.length >= CACHE_PER_TASK || r.bytes + size > CACHE_TASK_BYTES)) {
      // The older half goes: still a gap-free run, just a shorter one.
      this.#drop(r, Math.max(1, r.events.length >> 1));
    }
    this.#evict(size, subject);
    if (this.#cachedBytes + size > CACHE_TOTAL_BYTES) {
      // The gateway-wide budget is spent on watched tasks: this task's replays go to the stream for now.
      this.#drop(r, r.events.length);
      return;
    }
    r.events.push(ev);
    r.sizes.push(size);
    r.bytes += size;
    this.#cachedBytes += size;
    this.#cachedEvents++;
  }

  /**
   * History after `last`: from the shared cache when it covers it, else from the stream. With
   * `until` (the task's latest sequence, read after the tap was in place), the stream read stops
   * there instead of asking for one more event and getting "none": the tap holds anything later.
   * With `storeOnly` the cache is skipped (it is fed by the live feed, which may be what stalled).
   */
  async *#history(tenant: string, taskId: string, key: string, last: number, signal: AbortSignal, pass: HistoryPass): AsyncGenerator<StoredEvent> {
    const { until, storeOnly } = pass;
    if (until !== undefined && until <= last) return;
    if (storeOnly) {
      yield* this.#log.after(tenant, taskId, last, signal);
      return;
    }
    for (;;) {
      const cached = this.#recent.get(key)?.after(last);
      if (cached) {
        if (cached.length === 0) return;
        for (const ev of cached) {
          last = ev.sequence;
          yield ev;
        }
        continue; // more may have arrived while the client took those
      }
      // Older than the cache: read the stream until we reach an event the cache holds.
      let read = false;
      for await (const ev of this.#log.after(tenant, taskId, last, signal)) {
        read = true;
        last = ev.sequence;
        yield ev;
        if (this.#recent.get(key)?.after(last)) break;
        if (until !== undefined && last >= until) return;
      }
      if (!read || !this.#recent.get(key)?.after(last)) return;
    }
  }

  /**
   * The task's events after `afterSeq`: history first, then live, ending after the terminal event
   * or when `signal` aborts.
   */
  async *watch(tenant: string, taskId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<StoredEvent> {
    const key = eventSubject(tenant, taskId);
    const tap = new Tap(this.#maxBuffered);
    let set = this.#taps.get(key);
    if (!set) this.#taps.set(key, (set = new Set()));
    set.add(tap);
    try {
      let tail: StoredEvent | null;
      let pass: HistoryPass = {};
      const run = this.#recent.get(key);
      if (run?.complete && performance.now() - this.#lastDeliveryAt < FEED_FRESH_MS) {
        // The task's whole history is in memory and the feed is flowing: anything later reaches
        // the tap. (A feed that went quiet may be stalled; then the stream is asked.)
        tail = run.events[run.events.length - 1];
      } else {
        // The task's latest event, read once the tap is in place: it says the task exists and how
        // far the stored history goes (anything after it reaches the tap).
        tail = await this.#log.last(tenant, taskId);
        if (!tail) throw new NotFoundError(`task ${taskId} not found`);
        pass = { until: tail.sequence }; // later passes read to the end
      }
      if (tail.sequence <= afterSeq && isTerminalEvent(tail)) return; // resumed after the end
      let last = afterSeq;
      for (;;) {
        const history = this.#history(tenant, taskId, key, last, signal, pass);
        const resync = pass.storeOnly === true;
        pass = {};
        for await (const ev of history) {
          if (resync) this.#checkFeed(ev.sequence);
          last = ev.sequence;
          yield ev;
          if (isTerminalEvent(ev)) return;
        }
        for (;;) {
          const batch = await tap.take(signal, RESYNC_IDLE_MS);
          if (batch === null) return;
          if (batch === IDLE) {
            // Nothing live for a while: ask the stream itself, not the cache.
            pass = { storeOnly: true };
            break;
          }
          if (batch === OVERFLOW) {
            this.#logger.debug({ taskId, afterSeq: last }, "slow watcher overflowed its buffer; replaying from the stream");
            break;
          }
          for (const ev of batch) {
            if (ev.sequence <= last) continue;
            last = ev.sequence;
            yield ev;
            if (isTerminalEvent(ev)) return;
          }
        }
      }
    } finally {
      set.delete(tap);
      if (set.size === 0) this.#taps.delete(key); // its cached run stays, evicted in its turn
    }
  }
}
