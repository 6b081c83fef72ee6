// Live task events for a gateway: ONE consumer on RECFLOW_EVENTS per gateway process, fanned out
// in memory to every watch of every task (taps, event-tap.ts), instead of one NATS consumer per
// watch; and the recent-events cache (event-cache.ts) it fills for every task it sees. Events are
// kept as they came (feed-event.ts) and decoded by their first reader, so the events of tasks no
// one watches are never decoded.
//
// The consumer is an ephemeral R1 pull consumer that the feed creates itself, at the next
// sequence it has not seen, and re-creates the moment it looks lost: its idle heartbeats stop, the
// server says it is gone, a delivery is skipped, or the connection moved to another server. Not
// nats.js's ordered consumer: the cluster places an R1 consumer on any one of the stream's nodes,
// and when that node dies the ordered consumer notices only by missed heartbeats of its 30 s pull
// (15 s apart), not at all after a reconnect (its consumer check times out while the node is
// down), and waits 15-45 s between re-create tries (a first try often fails while the cluster
// elects new leaders).
//
// The watches themselves (history, then live, without loss or duplicates) are the gateway's:
// gateway/task-watch.ts for WatchTask, task-set-watch.ts for WatchTasks.
import { AckPolicy, ConsumerEvents, DeliverPolicy, nanos, nuid, type ConsumerMessages } from "nats";
import { setInterval as every, setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log.js";
import type { Broker } from "./connection.js";
import { EventCache, type EventCacheLimits } from "./event-cache.js";
import type { EventLog } from "./event-log.js";
import { Tap } from "./event-tap.js";
import { FeedEvent } from "./feed-event.js";
import { EVENTS_STREAM, EVENTS_SUBJECTS, eventSubject, parseTaskSubject } from "./subjects.js";

export { FeedEvent } from "./feed-event.js";
export { IDLE, OVERFLOW, RESYNC_IDLE_MS, type Tap } from "./event-tap.js";

/** A feed that delivered something this recently is trusted to be current (see `fresh`). */
const FEED_FRESH_MS = 1_000;
/** A stuck feed is restarted at most this often. */
const RESTART_MIN_INTERVAL_MS = 5_000;
/**
 * Silence after which the feed asks the stream whether it has missed events (#watchForStall): the
 * last resort for a consumer that stopped delivering without any sign (#watchConsumer and the
 * delivery check in #follow see every loss we know of).
 */
const STALL_CHECK_MS = 3_000;
/** Tries to re-open the live consumer are at least this far apart. */
const REOPEN_DELAY_MS = 500;
/**
 * While the consumer is being re-created, the feed reads what the stream stored since by direct
 * gets (#catchUp), asking again this long after finding nothing new. Re-creating can take seconds
 * after a node dies: the create waits for the cluster's meta leader (re-elected in 4-9 s when it
 * was on that node), and the meta leader still places about one new R1 consumer in three on the
 * dead node (it marks a SIGKILLed peer offline only after tens of seconds), a create that is never
 * answered. Direct gets need neither: any live replica answers them.
 */
const CATCH_UP_POLL_MS = 250;
/**
 * The server's idle heartbeat on the feed's pull while no event flows. nats.js reports
 * HeartbeatsMissed after two intervals without one (2-3 s), and the feed then re-creates its
 * consumer: how soon the loss of the consumer's node is noticed while the connection stays up.
 */
const HEARTBEAT_MS = 1_000;
/** Events asked for per pull; the next pull goes out when a quarter of them has arrived. */
const PULL_BATCH = 2048;
/**
 * The server deletes a consumer this long after its last pull: one the feed abandoned (on a node
 * that was down, or whose delete did not get through) or left by a gateway that crashed.
 */
const CONSUMER_INACTIVE_MS = 60_000;
/** Consumer statuses that mean it no longer delivers: the feed re-creates it. */
const CONSUMER_LOST = new Set<string>([
  ConsumerEvents.HeartbeatsMissed,
  ConsumerEvents.ConsumerDeleted,
  ConsumerEvents.ConsumerNotFound,
  ConsumerEvents.StreamNotFound,
  ConsumerEvents.NoResponders,
]);
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
  /** The consumer being read and its name (to delete it once abandoned). */
  #messages: ConsumerMessages | undefined;
  #consumerName = "";
  #offReconnect: () => void = () => undefined;
  #loop: Promise<void> | undefined;
  #nextSeq = 1;
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
    this.#nextSeq = info.state.last_seq + 1;
    const messages = await this.#open();
    // After a reconnect the consumer may have gone with the server the connection was on (nats.js
    // then retries its check with a 15-45 s backoff), and deliveries in flight were lost.
    this.#offReconnect = this.#broker.onReconnect(() => this.#abandon(this.#messages, "the NATS connection moved"));
    this.#loop = this.#follow(messages, this.#stopped.signal);
    // Not awaited at stop: a stream-info request in flight then (NATS down at shutdown) would
    // hold the gateway's shutdown for its timeout; its answer is ignored once stopped.
    void this.#watchForStall(this.#stopped.signal);
  }

  async stop(): Promise<void> {
    this.#stopped.abort();
    this.#offReconnect();
    this.#messages?.stop();
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
    if (seq < this.#nextSeq || now - this.#lastDeliveryAt < FEED_FRESH_MS || now - this.#lastRestartAt < RESTART_MIN_INTERVAL_MS) return;
    this.#lastRestartAt = now;
    this.#abandon(this.#messages, `silent while the stream has sequence ${seq}`);
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

  /** A new consumer from the next sequence we have not seen, read with idle heartbeats. */
  async #open(): Promise<ConsumerMessages> {
    const info = await this.#broker.jsm.consumers.add(EVENTS_STREAM, {
      name: `gateway-feed-${nuid.next()}`,
      filter_subject: EVENTS_SUBJECTS,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.#nextSeq,
      // Read once, never redelivered: a lost delivery shows as a skipped delivery sequence.
      ack_policy: AckPolicy.None,
      max_deliver: 1,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(CONSUMER_INACTIVE_MS),
    });
    const messages = await this.#broker.js.consumers.getPullConsumerFor(info).consume({ max_messages: PULL_BATCH, idle_heartbeat: HEARTBEAT_MS });
    this.#consumerName = info.name;
    this.#messages = messages;
    void this.#watchConsumer(messages);
    return messages;
  }

  /**
   * Fans live events out to the taps. When the consumer ends (lost, or restarted because it fell
   * behind) or fails, a new one is opened from the next unseen sequence, so the feed has no gap.
   */
  async #follow(first: ConsumerMessages, stopped: AbortSignal): Promise<void> {
    for (let messages: ConsumerMessages | undefined = first; messages; ) {
      try {
        let delivered = 0;
        for await (const m of messages) {
          if (m.info.deliverySequence !== ++delivered) {
            this.#abandon(messages, "a delivery was lost");
            break;
          }
          this.#deliver(m.seq, m.subject, m.data);
        }
        if (stopped.aborted) return;
        this.#logger.warn({ nextSeq: this.#nextSeq }, "live event feed ended; re-opening it");
      } catch (err) {
        if (stopped.aborted) return;
        this.#logger.warn({ err, nextSeq: this.#nextSeq }, "live event feed failed; re-opening it");
      }
      // Not awaited: on a node that is down it would wait for the timeout; the server deletes it
      // after CONSUMER_INACTIVE_MS anyway.
      this.#broker.jsm.consumers.delete(EVENTS_STREAM, this.#consumerName).catch(() => undefined);
      messages = await this.#reopen(stopped);
    }
  }

  /**
   * Passes on the stream's event `seq` unless it was already (a new consumer starts where the feed
   * was when it was created, and #catchUp may have gone on meanwhile).
   */
  #deliver(seq: number, subject: string, data: Uint8Array): void {
    if (seq < this.#nextSeq) return;
    this.#nextSeq = seq + 1;
    this.#lastDeliveryAt = performance.now();
    this.#dispatch(subject, data, seq);
  }

  /**
   * Ends `messages` (and so #follow's read of it, which opens a new consumer) when its status
   * says the consumer is lost: heartbeats missed (its node died or the pull was dropped), deleted,
   * not found, no responders.
   */
  async #watchConsumer(messages: ConsumerMessages): Promise<void> {
    for await (const s of await messages.status()) {
      if (CONSUMER_LOST.has(s.type)) {
        this.#abandon(messages, `consumer status ${s.type}`);
        return;
      }
    }
  }

  /** Stops reading `messages` if it is still the feed's consumer: #follow opens a new one. */
  #abandon(messages: ConsumerMessages | undefined, why: string): void {
    if (messages === undefined || messages !== this.#messages || this.#stopped.signal.aborted) return;
    this.#messages = undefined;
    this.#logger.warn({ why, consumer: this.#consumerName, nextSeq: this.#nextSeq }, "live event feed lost its consumer; re-creating it");
    messages.stop();
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

  /**
   * Re-opens the consumer, a try at most every REOPEN_DELAY_MS until one works; undefined once the
   * feed is stopped. Meanwhile #catchUp passes on what the stream stores.
   */
  async #reopen(stopped: AbortSignal): Promise<ConsumerMessages | undefined> {
    const reopened = new AbortController();
    void this.#catchUp(AbortSignal.any([stopped, reopened.signal]));
    try {
      while (!stopped.aborted) {
        const began = performance.now();
        try {
          const messages = await this.#open();
          if (stopped.aborted) {
            messages.stop(); // stop() ran while we were re-opening
            return undefined;
          }
          this.#logger.info({ consumer: this.#consumerName, nextSeq: this.#nextSeq }, "live event feed re-opened");
          return messages;
        } catch (err) {
          this.#logger.warn({ err, nextSeq: this.#nextSeq }, "cannot re-open the live event feed yet");
        }
        await sleep(Math.max(0, began + REOPEN_DELAY_MS - performance.now()), undefined, { signal: stopped }).catch(() => undefined);
      }
      return undefined;
    } finally {
      reopened.abort();
    }
  }

  /**
   * The events stored from the next unseen sequence on, read by direct gets (any replica answers)
   * until `signal`: the feed's source while it has no consumer. A replica that is behind answers
   * "none" for events it does not have yet, never a later one in their place (its log is a prefix
   * of the leader's), so nothing is skipped; they are asked for again.
   */
  async #catchUp(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const m = await this.#broker.requests.directGet(EVENTS_STREAM, { seq: this.#nextSeq, next_by_subj: EVENTS_SUBJECTS })
        .catch(() => undefined); // none yet (404), or no replica answered: ask again shortly
      if (signal.aborted) return;
      if (m) this.#deliver(m.seq, m.subject, m.data);
      else await sleep(CATCH_UP_POLL_MS, undefined, { signal }).catch(() => undefined);
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
