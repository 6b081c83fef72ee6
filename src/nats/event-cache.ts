// The recent-events cache behind the gateway's watches: for every task the live feed sees, a
// gap-free run of its latest events, in stream order, within bounds per task and in all. Pure:
// no NATS, no clock; the feed adds what it receives and watches read from it.
//
// Why: without it, hundreds of watchers of a busy task would each replay with one direct get per
// event, and the gateway would spend its CPU on NATS requests (measured: 400 stalled watchers of
// 4 busy tasks held a reading watcher up by 20 s; with the cache, milliseconds). A run that begins
// with the task's first event (Queued) is the task's whole history: a watch of a recent task (the
// usual submit-then-watch) then needs no read of the stream at all.

/** What the cache needs of an event. */
export interface CacheableEvent {
  readonly sequence: number;
  /** Encoded size in bytes. */
  readonly size: number;
  /** The task's first event (Queued): a run that starts with it is complete. */
  readonly first: boolean;
}

export interface EventCacheLimits {
  /** Events kept per task. */
  perTask: number;
  /** Encoded bytes kept per task; a larger event is never kept. */
  taskBytes: number;
  /** Encoded bytes kept across all tasks. */
  totalBytes: number;
  /** Events kept across all tasks (a decoded event takes several times its encoded size). */
  totalEvents: number;
}

export const DEFAULT_CACHE_LIMITS: EventCacheLimits = {
  perTask: 2048,
  taskBytes: 4 * 1024 * 1024,
  totalBytes: 64 * 1024 * 1024,
  totalEvents: 32_768,
};

/** A gap-free run of one task's latest events, in stream order. */
class Run<E extends CacheableEvent> {
  events: E[] = [];
  bytes = 0;
  /** The run starts at the task's first event, so it is the task's whole history so far. */
  get complete(): boolean {
    return this.events.length > 0 && this.events[0].first;
  }
  /** Drops the oldest `n` events (the rest stays a gap-free run); returns the bytes freed. */
  dropOldest(n: number): number {
    let freed = 0;
    for (const ev of this.events.splice(0, n)) freed += ev.size;
    this.bytes -= freed;
    return freed;
  }
  /** Events after `last` if this run holds all of them (it holds an event at or before `last`, or it is complete). */
  after(last: number): E[] | undefined {
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

export class EventCache<E extends CacheableEvent> {
  readonly #runs = new Map<string, Run<E>>();
  readonly #limits: EventCacheLimits;
  readonly #pinned: (key: string) => boolean;
  #bytes = 0;
  #events = 0;

  /**
   * Runs are kept by `key` (one per task). Making room forgets the oldest tasks first (by when
   * they were last added to), except `pinned` ones (watched now), which go last.
   */
  constructor(limits: Partial<EventCacheLimits> = {}, pinned: (key: string) => boolean = () => false) {
    this.#limits = { ...DEFAULT_CACHE_LIMITS, ...limits };
    this.#pinned = pinned;
  }

  /** What the cache holds now (tasks, events, encoded bytes). */
  get stats(): { tasks: number; events: number; bytes: number } {
    return { tasks: this.#runs.size, events: this.#events, bytes: this.#bytes };
  }

  /**
   * Appends the task's next event. The caller guarantees no event of the task was skipped since
   * the last one added (or calls `forget` first); an event at or before the run's last is ignored.
   */
  add(key: string, ev: E): void {
    const { perTask, taskBytes, totalBytes } = this.#limits;
    let r = this.#runs.get(key);
    if (!r) this.#runs.set(key, (r = new Run<E>()));
    const tail = r.events.at(-1);
    if (tail && ev.sequence <= tail.sequence) return;
    if (ev.size > taskBytes) {
      // Too big to keep: restart the run after it (a run must have no gaps).
      this.#drop(r, r.events.length);
      return;
    }
    while (r.events.length > 0 && (r.events.length >= perTask || r.bytes + ev.size > taskBytes)) {
      // The older half goes: still a gap-free run, just a shorter one.
      this.#drop(r, Math.max(1, r.events.length >> 1));
    }
    this.#evict(ev.size, key);
    if (this.#bytes + ev.size > totalBytes) {
      // The budget is spent on pinned tasks: this task's replays go to the stream for now.
      this.#drop(r, r.events.length);
      return;
    }
    r.events.push(ev);
    r.bytes += ev.size;
    this.#bytes += ev.size;
    this.#events++;
  }

  /** Forgets the task's run: an event of it could not be kept (e.g. undecodable), so the run would have a hole. */
  forget(key: string): void {
    const r = this.#runs.get(key);
    if (!r) return;
    this.#drop(r, r.events.length);
    this.#runs.delete(key);
  }

  /** The task's events after `last`, in order, if the cache holds every one of them; else undefined. */
  after(key: string, last: number): E[] | undefined {
    return this.#runs.get(key)?.after(last);
  }

  /** The task's latest event when the cache holds its whole history; else undefined. */
  completeTail(key: string): E | undefined {
    const r = this.#runs.get(key);
    return r?.complete ? r.events.at(-1) : undefined;
  }

  #drop(r: Run<E>, n: number): void {
    this.#events -= Math.min(n, r.events.length);
    this.#bytes -= r.dropOldest(n);
  }

  /**
   * Frees room for `size` more bytes by forgetting the oldest unpinned tasks; a pinned one met on
   * the way, and `keep` (the task being added to), go to the back instead.
   */
  #evict(size: number, keep: string): void {
    const { totalBytes, totalEvents } = this.#limits;
    let passes = this.#runs.size;
    for (const [key, r] of this.#runs) {
      if (this.#bytes + size <= totalBytes && this.#events < totalEvents) return;
      if (passes-- <= 0) return; // every task left is pinned
      this.#runs.delete(key);
      if (key === keep || this.#pinned(key)) this.#runs.set(key, r);
      else this.#drop(r, r.events.length);
    }
  }
}
