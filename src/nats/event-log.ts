// The task event log on RECFLOW_EVENTS: one subject per task, appended with optimistic
// concurrency so concurrent writers (a gateway cancelling, a live attempt, a stale attempt)
// cannot both append after the same event, and so never both write a terminal event.
//
// The compare-and-set is two checks, because one is not enough on a clustered stream:
// - Nats-Expected-Last-Subject-Sequence: the task's last event must be the one the writer read.
//   On an R3 stream nats-server (before 2.9.21, e.g. Debian 12's 2.9.10) checks it on the leader
//   BEFORE proposing, against what it has applied so far: two appends in flight at once with the
//   same expected sequence both pass, and so can an append reaching a new leader that has not
//   applied the whole log yet (nats-server issue 4320). The nemesis run saw it: attempt 1 wrote
//   Started and Succeeded after attempt 2's Started, both following the same Queued event.
// - Nats-Msg-Id = "<task>:after:<expected sequence>": the slot after that event. De-duplication
//   IS checked when each replica applies the log, in log order, so of every append into one slot
//   only the first is stored; a later one is answered `duplicate`, with the sequence of the
//   first. The slot's id is kept for the stream's duplicate window, far longer than any two
//   appends are in flight together; after it, the first check (on a long-applied log) refuses.
// Whether a refused or `duplicate` append is our own (a retry of one whose PubAck was lost) or
// someone else's is read from the event in that slot: its Recflow-Event-Id header is the
// caller's id for the logical event (AppendOptions.msgId).
//
// Reads use direct get, answered by any replica, so GetTask is one request for the last event
// and replays never create a consumer; a read a decision depends on goes to the leader.
import { taskEventCodec } from "../api/codec.js";
import type { StoredEvent } from "../api/task-model.js";
import type { TaskEvent } from "../generated/recflow/v1/TaskEvent.js";
import { UnavailableError } from "../errors.js";
import type { Broker } from "./connection.js";
import { EVENTS_STREAM, eventSubject, isSubjectToken } from "./subjects.js";
import { isApiError, isNotFound, isTransient, WRONG_LAST_SEQUENCE } from "./nats-errors.js";
import type { DirectQuery, GotMessage } from "./jetstream-requests.js";
import { ServerClock } from "./server-clock.js";

/** Someone else appended to the task since `expectedLastSeq`: re-read and decide again. */
export class AppendConflictError extends Error {
  override name = "AppendConflictError";
}

/** An event larger than the stream's max message size. */
export class EventTooLargeError extends Error {
  override name = "EventTooLargeError";
}

export interface AppendOptions {
  /** Sequence of the task's last event, 0 for the first event. */
  expectedLastSeq: number;
  /**
   * The caller's id of this logical event: a retried append of it (same id) that finds the
   * slot taken by itself succeeds; two writers that give the same id claim equivalent events
   * (e.g. Queued from the gateway and from a worker), and the one stored stands for both.
   */
  msgId: string;
}

/** Who answers a read: any replica (cheap, may be a little behind) or the stream leader. */
export type ReadFrom = "any-replica" | "leader";

/** The header that carries AppendOptions.msgId (Nats-Msg-Id carries the slot). */
export const EVENT_ID_HEADER = "Recflow-Event-Id";

/** Nats-Msg-Id of the append that follows `expectedLastSeq` in a task's log. */
export function slotId(taskId: string, expectedLastSeq: number): string {
  return `${taskId}:after:${expectedLastSeq}`;
}

export function decodeStoredEvent(m: { data: Uint8Array; seq: number }): StoredEvent {
  const ev = taskEventCodec.decode(m.data);
  ev.sequence = m.seq;
  return ev;
}

/** Maps a nats.js failure to our error types (conflict, unavailable) or rethrows it. */
export function mapPublishError(err: unknown): never {
  if (isApiError(err, WRONG_LAST_SEQUENCE)) throw new AppendConflictError("task log changed concurrently", { cause: err });
  if (isTransient(err)) throw UnavailableError.from(err);
  throw err;
}

/** How often an append of ours is read back to measure the server clock's offset. */
const CLOCK_SAMPLE_EVERY_MS = 30_000;

export class EventLog {
  /**
   * The NATS server's clock (server-clock.ts), learned from the stamps on what this log reads
   * and, every CLOCK_SAMPLE_EVERY_MS, from one of its own appends read back: the time events
   * carry and deadlines are judged by.
   */
  readonly clock: ServerClock;
  readonly #broker: Broker;
  readonly #maxEventBytes: number;
  #clockSampledAt = Number.NEGATIVE_INFINITY;

  constructor(broker: Broker, options: { maxEventBytes: number; clock?: ServerClock }) {
    this.#broker = broker;
    this.#maxEventBytes = options.maxEventBytes;
    this.clock = options.clock ?? new ServerClock();
  }

  /**
   * Appends one event right after the task's event `expectedLastSeq`; returns its stream
   * sequence. Throws AppendConflictError when another event holds that place.
   */
  async append(tenant: string, taskId: string, event: TaskEvent, opts: AppendOptions): Promise<number> {
    const data = taskEventCodec.encode(event);
    // Headers and subject take a little room too; refuse well before the server would.
    if (data.length > this.#maxEventBytes - 1024) {
      throw new EventTooLargeError(`event of ${data.length} bytes exceeds the ${this.#maxEventBytes}-byte limit`);
    }
    let ack;
    const sentMs = Date.now();
    try {
      ack = await this.#broker.requests.publish(eventSubject(tenant, taskId), data, {
        msgId: slotId(taskId, opts.expectedLastSeq), expectedLastSubjectSeq: opts.expectedLastSeq, headers: { [EVENT_ID_HEADER]: opts.msgId },
      });
    } catch (err) {
      if (!isApiError(err, WRONG_LAST_SEQUENCE)) return mapPublishError(err);
      // Refused: someone appended after expectedLastSeq, perhaps we did (a retry whose first
      // try was stored and only its PubAck lost).
      return this.#settle(tenant, taskId, opts, err);
    }
    // The slot was taken: by our own earlier try, or by another writer whose append was in
    // flight at the same time as ours (see the header comment).
    if (ack.duplicate) return this.#settle(tenant, taskId, opts);
    this.#sampleClock(ack.seq, sentMs, Date.now());
    return ack.seq;
  }

  /** Now and then: reads an append of ours back for its server stamp (in the background). */
  #sampleClock(seq: number, sentMs: number, answeredMs: number): void {
    if (answeredMs - this.#clockSampledAt < CLOCK_SAMPLE_EVERY_MS) return;
    this.#clockSampledAt = answeredMs;
    this.#broker.requests.leaderGet(EVENTS_STREAM, { seq }).then(
      (m) => this.clock.observeWrite(m.storedAtMs, sentMs, answeredMs),
      () => void (this.#clockSampledAt = Number.NEGATIVE_INFINITY), // try again with the next append
    );
  }

  /** Whose is the event after expectedLastSeq? Ours: its sequence. Another writer's: a conflict. */
  async #settle(tenant: string, taskId: string, opts: AppendOptions, cause?: unknown): Promise<number> {
    const next = await this.#read(tenant, taskId, "leader", (subject) => ({ seq: opts.expectedLastSeq + 1, next_by_subj: subject }));
    if (next && next.header(EVENT_ID_HEADER) === opts.msgId) return next.seq;
    throw new AppendConflictError(`task log changed concurrently: the event after ${opts.expectedLastSeq} is ${next ? `${next.seq}, another writer's` : "gone"}`, { cause });
  }

  /** The task's latest event; `from: "leader"` when a decision depends on it being the latest. */
  async last(tenant: string, taskId: string, from: ReadFrom = "any-replica"): Promise<StoredEvent | null> {
    return this.#get(tenant, taskId, (subject) => ({ last_by_subj: subject }), from);
  }

  async first(tenant: string, taskId: string): Promise<StoredEvent | null> {
    return this.#get(tenant, taskId, (subject) => ({ seq: 0, next_by_subj: subject }));
  }

  /**
   * The task's events with a sequence above `afterSeq`, in order, up to the latest one. Events
   * come from any replica, but "there is no later event" from the leader: a replica that is
   * behind would end the history early, and a watch that then waits for live events (which
   * start later) would never see the ones in between. `start: "leader"` reads it all there.
   */
  async *after(tenant: string, taskId: string, afterSeq: number, signal?: AbortSignal, start: ReadFrom = "any-replica"): AsyncGenerator<StoredEvent> {
    let seq = afterSeq;
    let from = start;
    while (!signal?.aborted) {
      const query = (subject: string): DirectQuery => ({ seq: seq + 1, next_by_subj: subject });
      let ev = await this.#get(tenant, taskId, query, from);
      if (!ev && from === "any-replica") {
        ev = await this.#get(tenant, taskId, query, "leader");
        from = "leader"; // one replica was behind: read the rest where it is complete
      }
      if (!ev) return;
      seq = ev.sequence;
      yield ev;
    }
  }

  /** Ids of the tenant's tasks (those with events still retained), sorted. */
  async taskIds(tenant: string): Promise<string[]> {
    try {
      const info = await this.#broker.jsm.streams.info(EVENTS_STREAM, { subjects_filter: eventSubject(tenant, "*") });
      const subjects = Object.keys(info.state.subjects ?? {});
      return subjects.map((s) => s.slice(s.lastIndexOf(".") + 1)).sort();
    } catch (err) {
      if (isTransient(err)) throw UnavailableError.from(err);
      throw err;
    }
  }

  async #get(tenant: string, taskId: string, query: (subject: string) => DirectQuery, from: ReadFrom = "any-replica"): Promise<StoredEvent | null> {
    const m = await this.#read(tenant, taskId, from, query);
    return m && decodeStoredEvent(m);
  }

  async #read(tenant: string, taskId: string, from: ReadFrom, query: (subject: string) => DirectQuery): Promise<GotMessage | null> {
    if (!isSubjectToken(tenant) || !isSubjectToken(taskId)) return null;
    const q = query(eventSubject(tenant, taskId));
    try {
      const m = await (from === "leader" ? this.#broker.requests.leaderGet(EVENTS_STREAM, q) : this.#broker.requests.directGet(EVENTS_STREAM, q));
      this.clock.observeStored(m.storedAtMs);
      return m;
    } catch (err) {
      if (isNotFound(err)) return null;
      if (isTransient(err)) throw UnavailableError.from(err);
      throw err;
    }
  }
}
