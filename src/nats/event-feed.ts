// Live task events for a gateway: ONE consumer on RECFLOW_EVENTS per gateway process, fanned out
// in memory to every watch of every task (taps, event-tap.ts), instead of one NATS consumer per
// watch; and the recent-events cache (event-cache.ts) it fills for every task it sees. Events are
// kept as they came (feed-event.ts) and decoded by their first reader, so the events of tasks no
// one watches are never decoded.
//
// The feed reads the stream through a StreamReader (stream-reader.ts): its own ephemeral R1 pull
// consumer, re-created from the next sequence it has not seen the moment it looks lost, with
// direct gets meanwhile.
//
// The watches themselves (history, then live, without loss or duplicates) are the gateway's:
// gateway/task-watch.ts for WatchTask, task-set-watch.ts for WatchTasks.
import { setInterval as every } from "node:timers/promises";
import type { Logger } from "../log.js";
import type { Broker } from "./connection.js";
import { EventCache, type EventCacheLimits } from "./event-cache.js";
import type { EventLog } from "./event-log.js";
import { Tap } from "./event-tap.js";
import { FeedEvent } from "./feed-event.js";
import { StreamReader } from "./stream-reader.js";
import { EVENTS_STREAM, EVENTS_SUBJECTS, eventSubject, parseTaskSubject } from "./subjects.js";

export { FeedEvent } from "./feed-event.js";
export { IDLE, OVERFLOW, RESYNC_IDLE_MS, type Tap } from "./event-tap.js";

/** A feed that delivered something this recently is trusted to be current (see `fresh`). */
const FEED_FRESH_MS = 1_000;
/** A stuck feed is restarted at most this often. */
const RESTART_MIN_INTERVAL_MS = 5_000;
/**
 * Silence after which the feed asks the stream whether it has missed events (#watchForStall): the
 * last resort for a consumer that stopped delivering without any sign (the reader's own checks,
 * stream-reader.ts, see every loss we know of).
 */
const STALL_CHECK_MS = 3_000;
/** Events asked for per pull; the next pull goes out when a quarter of them has arrived. */
const PULL_BATCH = 2048;
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
  /** The cache's other bounds (event-cache.ts). */
  cacheLimits?: Partial<EventCacheLimits>;
}

/** A registered tap; `close()` unregisters it. */
export interface TapHandle {
  tap: Tap<FeedEvent>;
  close: () => void;
}

export class EventFeed {
  readonly #broker: Broker;
  readonly #events: EventLog;
  readonly #logger: Logger;
  /** Taps of WatchTask calls, by event subject. */
  readonly #taps = new Map<string, Set<Tap<FeedEvent>>>();
  /** Taps of WatchTasks calls, by tenant: they get every event of the tenant's tasks. */
  readonly #tenantTaps = new Map<string, Set<Tap<FeedEvent>>>();
  /** Recent events by event subject; watched tasks are kept first. */
  readonly #cache: EventCache<FeedEvent>;
  /** Labels by event subject, oldest first (insertion order) for eviction. */
  readonly #labels = new Map<string, Record<string, string>>();
  readonly #maxBuffered: number;
  /** Aborted by stop(): ends the follow loop, its re-open pauses included. */
  readonly #stopped = new AbortController();
  /** The read of the stream, from start(). */
  #reader: StreamReader | undefined;
  #loop: Promise<void> | undefined;
  #lastDeliveryAt = Number.NEGATIVE_INFINITY;
  #lastRestartAt = Number.NEGATIVE_INFINITY;

  constructor(broker: Broker, eventLog: EventLog, logger: Logger, options: EventFeedOptions = {}) {
    this.#broker = broker;
    this.#events = eventLog;
    this.#logger = logger;
    this.#maxBuffered = options.maxBufferedPerWatch ?? 256;
    const limits = { ...options.cacheLimits, ...(options.cacheEvents === undefined ? {} : { totalEvents: options.cacheEvents }) };
    this.#cache = new EventCache(limits, (key) => this.#taps.has(key));
  }

  /** What the recent-events cache holds now (tasks, events, encoded bytes). */
  get cached(): { tasks: number; events: number; bytes: number } {
    return this.#cache.stats;
  }

  /** Number of watches being served now. */
  get watches(): number {
    let n = 0;
    for (const set of this.#taps.values()) n += set.size;
    for (const set of this.#tenantTaps.values()) n += set.size;
    return n;
  }

  /**
   * Whether the feed delivered something within the last second: then an event stored before now
   * has reached it (or will, in order, before anything later). A feed that went quiet may be stalled.
   */
  get fresh(): boolean {
    return performance.now() - this.#lastDeliveryAt < FEED_FRESH_MS;
  }

  /** Starts following the stream from its current end. Call before serving watches. */
  async start(): Promise<void> {
    const info = await this.#broker.jsm.streams.info(EVENTS_STREAM);
    const reader = new StreamReader(this.#broker, this.#logger, {
      stream: EVENTS_STREAM,
      filter: EVENTS_SUBJECTS,
      from: info.state.last_seq + 1,
      namePrefix: "gateway-feed",
      batch: PULL_BATCH,
      what: "live event feed",
    });
    await reader.open();
    this.#reader = reader;
    this.#loop = this.#follow(reader, this.#stopped.signal);
    // Not awaited at stop: a stream-info request in flight then (NATS down at shutdown) would
    // hold the gateway's shutdown for its timeout; its answer is ignored once stopped.
    void this.#watchForStall(this.#stopped.signal);
  }

  async stop(): Promise<void> {
    this.#stopped.abort();
    await this.#loop?.catch(() => undefined);
  }

  /** A tap that receives every live event of one task until `close()`; it pins the task's cached run. */
  tapTask(tenant: string, taskId: string, onOverflow?: () => void): TapHandle {
    return this.#register(this.#taps, eventSubject(tenant, taskId), new Tap(this.#maxBuffered, onOverflow));
  }

  /** A tap that receives every live event of the tenant's tasks until `close()`. */
  tapTenant(tenant: string, maxBuffered: number, onOverflow?: () => void): TapHandle {
    return this.#register(this.#tenantTaps, tenant, new Tap(maxBuffered, onOverflow));
  }

  /** The task's cached events after `last`, if the cache holds every one of them. */
  cachedAfter(tenant: string, taskId: string, last: number): FeedEvent[] | undefined {
    return this.#cache.after(eventSubject(tenant, taskId), last);
  }

  /** The task's latest event, when the cache holds its whole history. */
  cachedTail(tenant: string, taskId: string): FeedEvent | undefined {
    return this.#cache.completeTail(eventSubject(tenant, taskId));
  }

  /** Drops the task's cached run (one of its events turned out undecodable: it would have a hole). */
  forget(tenant: string, taskId: string): void {
    this.#cache.forget(eventSubject(tenant, taskId));
  }

  /**
   * A watch's resync read `seq` from the stream (or the stall check saw it as the stream's last).
   * If the feed has not delivered it and has been silent for a while, its consumer stopped
   * delivering without any sign we watch for: re-create it (at most every few seconds).
   */
  sawInStream(seq: number): void {
    const now = performance.now();
    if (!this.#reader || seq < this.#reader.next || now - this.#lastDeliveryAt < FEED_FRESH_MS || now - this.#lastRestartAt < RESTART_MIN_INTERVAL_MS) return;
    this.#lastRestartAt = now;
    this.#reader.restart(`silent while the stream has sequence ${seq}`);
  }

  /** Keeps a task's labels (from its Queued event) for selector matching. */
  rememberLabels(tenant: string, taskId: string, labels: Record<string, string>): void {
    const key = eventSubject(tenant, taskId);
    this.#labels.delete(key);
    this.#labels.set(key, labels);
    if (this.#labels.size > LABELS_CACHED_TASKS) this.#labels.delete(this.#labels.keys().next().value!);
  }

  /**
   * A task's labels: remembered, else from its first event (the cached one, or read once from the
   * stream), then remembered. Null when the task has no events (or its Queued event is no longer
   * retained).
   */
  async labelsOf(tenant: string, taskId: string): Promise<Record<string, string> | null> {
    const key = eventSubject(tenant, taskId);
    const known = this.#labels.get(key);
    if (known) return known;
    const cachedFirst = this.#cache.after(key, 0)?.[0];
    const first = cachedFirst?.first ? cachedFirst.decode() : await this.#events.first(tenant, taskId);
    if (first?.event !== "queued") return null;
    const labels = first.queued?.spec?.labels ?? {};
    this.rememberLabels(tenant, taskId, labels);
    return labels;
  }

  #register(map: Map<string, Set<Tap<FeedEvent>>>, key: string, tap: Tap<FeedEvent>): TapHandle {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(tap);
    return {
      tap,
      close: () => {
        set.delete(tap);
        // A task's cached run stays when its last watch ends, evicted in its turn.
        if (set.size === 0 && map.get(key) === set) map.delete(key);
      },
    };
  }

  /**
   * Fans live events out to the taps until stopped. The reader re-creates a consumer that ends or
   * fails from the next unseen sequence, so the feed has no gap.
   */
  async #follow(reader: StreamReader, stopped: AbortSignal): Promise<void> {
    for await (const m of reader.read(stopped)) {
      this.#lastDeliveryAt = performance.now();
      this.#dispatch(m.subject, m.data, m.seq);
    }
  }

  /**
   * While the feed is silent, asks the stream's leader for its last sequence every few seconds: a
   * sequence the feed has not delivered means it is stuck, and sawInStream restarts it. One
   * stream-info request per check, and none while events flow.
   */
  async #watchForStall(stopped: AbortSignal): Promise<void> {
    try {
      for await (const tick of every(STALL_CHECK_MS, undefined, { signal: stopped })) {
        void tick;
        if (performance.now() - this.#lastDeliveryAt < STALL_CHECK_MS) continue;
        const last = await this.#broker.jsm.streams.info(EVENTS_STREAM).then((i) => i.state.last_seq, () => undefined);
        if (last !== undefined && !stopped.aborted) this.sawInStream(last);
      }
    } catch {
      // stopped
    }
  }

  #dispatch(subject: string, data: Uint8Array, seq: number): void {
    const task = parseTaskSubject(subject);
    let ev: FeedEvent;
    try {
      if (!task) throw new Error(`not a task event subject: ${subject}`);
      // A copy: the message's data may be a view of the connection's read buffer.
      ev = new FeedEvent(task.tenant, task.taskId, seq, data.slice());
    } catch (err) {
      this.#logger.error({ err, subject, seq }, "undecodable task event skipped");
      // The task's cached run would have a hole: forget it, so its watches read the stream.
      this.#cache.forget(subject);
      return;
    }
    this.#cache.add(subject, ev);
    const taps = this.#taps.get(subject);
    if (taps) for (const tap of taps) tap.push(ev);
    const tenantTaps = this.#tenantTaps.get(task.tenant);
    if (tenantTaps) {
      // Selector watches match later events by the task's labels: keep them while any is open.
      if (ev.first) this.#rememberLabelsOf(ev);
      for (const tap of tenantTaps) tap.push(ev);
    }
  }

  #rememberLabelsOf(ev: FeedEvent): void {
    try {
      this.rememberLabels(ev.tenant, ev.taskId, ev.decode().queued?.spec?.labels ?? {});
    } catch {
      // Undecodable: its readers report it; labelsOf reads the stream.
    }
  }
}
