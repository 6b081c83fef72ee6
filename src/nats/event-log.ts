// The task event log on RECFLOW_EVENTS: one subject per task, appended with optimistic
// concurrency (Nats-Expected-Last-Subject-Sequence) so concurrent writers (a gateway cancelling,
// a live attempt, a stale attempt) cannot both write a terminal event. Reads use direct get, so
// GetTask is one request for the last event and replays never create a consumer.
import { taskEventCodec } from "../api/codec.js";
import type { StoredEvent } from "../api/task-model.js";
import type { TaskEvent } from "../generated/recflow/v1/TaskEvent.js";
import { UnavailableError } from "../errors.js";
import type { Broker } from "./connection.js";
import { EVENTS_STREAM, eventSubject, isSubjectToken } from "./subjects.js";
import { isApiError, isNotFound, isTransient, WRONG_LAST_SEQUENCE } from "./nats-errors.js";
import type { DirectQuery } from "./jetstream-requests.js";

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
  /** De-duplication id: a retried append of the same event is stored once. */
  msgId: string;
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

export class EventLog {
  readonly #broker: Broker;
  readonly #maxEventBytes: number;

  constructor(broker: Broker, options: { maxEventBytes: number }) {
    this.#broker = broker;
    this.#maxEventBytes = options.maxEventBytes;
  }

  /** Appends one event; returns its stream sequence. */
  async append(tenant: string, taskId: string, event: TaskEvent, opts: AppendOptions): Promise<number> {
    const data = taskEventCodec.encode(event);
    // Headers and subject take a little room too; refuse well before the server would.
    if (data.length > this.#maxEventBytes - 1024) {
      throw new EventTooLargeError(`event of ${data.length} bytes exceeds the ${this.#maxEventBytes}-byte limit`);
    }
    try {
      const ack = await this.#broker.requests.publish(eventSubject(tenant, taskId), data, { msgId: opts.msgId, expectedLastSubjectSeq: opts.expectedLastSeq });
      return ack.seq;
    } catch (err) {
      return mapPublishError(err);
    }
  }

  async last(tenant: string, taskId: string): Promise<StoredEvent | null> {
    return this.#get(tenant, taskId, (subject) => ({ last_by_subj: subject }));
  }

  async first(tenant: string, taskId: string): Promise<StoredEvent | null> {
    return this.#get(tenant, taskId, (subject) => ({ seq: 0, next_by_subj: subject }));
  }

  /** The task's events with a sequence above `afterSeq`, in order, up to the latest one. */
  async *after(tenant: string, taskId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<StoredEvent> {
    let seq = afterSeq;
    while (!signal?.aborted) {
      const ev = await this.#get(tenant, taskId, (subject) => ({ seq: seq + 1, next_by_subj: subject }));
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

  async #get(tenant: string, taskId: string, query: (subject: string) => DirectQuery): Promise<StoredEvent | null> {
    if (!isSubjectToken(tenant) || !isSubjectToken(taskId)) return null;
    try {
      return decodeStoredEvent(await this.#broker.requests.directGet(EVENTS_STREAM, query(eventSubject(tenant, taskId))));
    } catch (err) {
      if (isNotFound(err)) return null;
      if (isTransient(err)) throw UnavailableError.from(err);
      throw err;
    }
  }
}
