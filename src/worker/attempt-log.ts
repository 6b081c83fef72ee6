// The event log as seen by one attempt of one task: appends with optimistic concurrency and
// de-duplication ids, remembers the last sequence and status, and turns a conflict into a
// decision: the task was finished by someone else (cancel, DLQ) or a newer attempt owns it.
import type { TaskError__Output } from "../generated/recflow/v1/TaskError.js";
import { isTerminal, makeEvent, type EventBody, type Status, type StoredEvent, type TaskKind } from "../api/task-model.js";
import { UnavailableError } from "../errors.js";
import { AppendConflictError, type EventLog } from "../nats/index.js";

/** Another writer finished the task (Cancelled, or Failed by the DLQ path). Ack and stop. */
export class TaskFinishedElsewhereError extends Error {
  override name = "TaskFinishedElsewhereError";
}

/** A newer delivery of this task has written events: this attempt is stale. Stop, do not ack. */
export class AttemptFencedError extends Error {
  override name = "AttemptFencedError";
}

export class AttemptLog {
  readonly tenant: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly kind: TaskKind;
  lastSeq = 0;
  lastStatus: Status | null = null;
  /** The error of the latest event when it is Failed (as of the last refresh). */
  lastFailure: TaskError__Output | null = null;
  #counter = 0;
  readonly #events: EventLog;
  readonly #keepAlive: () => void;
  readonly #giveUpAfterMs: number;

  constructor(opts: { events: EventLog; tenant: string; taskId: string; attempt: number; kind: TaskKind; keepAlive: () => void; giveUpAfterMs: number }) {
    this.#events = opts.events;
    this.tenant = opts.tenant;
    this.taskId = opts.taskId;
    this.attempt = opts.attempt;
    this.kind = opts.kind;
    this.#keepAlive = opts.keepAlive;
    this.#giveUpAfterMs = opts.giveUpAfterMs;
  }

  /** Reads the latest event (retrying while the broker is unreachable). */
  async refresh(): Promise<StoredEvent | null> {
    const last = await this.#withRetry(() => this.#events.last(this.tenant, this.taskId));
    this.lastSeq = last?.sequence ?? 0;
    this.lastStatus = last?.status ?? null;
    this.lastFailure = last?.failed?.error ?? null;
    return last;
  }

  /** Throws if the log says this attempt must not go on. */
  checkOwnership(): void {
    if (this.lastStatus && isTerminal(this.lastStatus.state)) throw new TaskFinishedElsewhereError(`task already ${this.lastStatus.state}`);
    if (this.lastStatus && this.lastStatus.attempt > this.attempt) {
      throw new AttemptFencedError(`attempt ${this.attempt} superseded by attempt ${this.lastStatus.attempt}`);
    }
  }

  /**
   * Writes the task's first event if the log is still empty (create-if-absent: when another
   * writer got there first, theirs stands and we just read it).
   */
  async appendFirst(body: EventBody): Promise<void> {
    const event = makeEvent(this.taskId, null, body, this.kind);
    try {
      this.lastSeq = await this.#withRetry(() => this.#events.append(this.tenant, this.taskId, event, { expectedLastSeq: 0, msgId: `${this.taskId}:queued` }));
      this.lastStatus = event.status as Status;
    } catch (err) {
      if (!(err instanceof AppendConflictError)) throw err;
      await this.refresh();
    }
  }

  /** Appends `body` after the last known event. */
  async append(body: EventBody): Promise<number> {
    const msgId = `${this.taskId}:${this.attempt}:${this.#counter++}`;
    for (;;) {
      const event = makeEvent(this.taskId, this.lastStatus, body, this.kind);
      try {
        const seq = await this.#withRetry(() => this.#events.append(this.tenant, this.taskId, event, { expectedLastSeq: this.lastSeq, msgId }));
        this.lastSeq = seq;
        this.lastStatus = event.status as Status;
        return seq;
      } catch (err) {
        if (!(err instanceof AppendConflictError)) throw err;
        await this.refresh();
        this.checkOwnership();
        // Someone appended a non-terminal event of this or an older attempt (e.g. the gateway's
        // Queued landing after ours): append again after it.
      }
    }
  }

  /**
   * Retries while NATS is unreachable, keeping the JetStream message alive, for at most
   * giveUpAfterMs; then the error propagates and the message is redelivered after ack_wait.
   */
  async #withRetry<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#giveUpAfterMs;
    let delay = 100;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof UnavailableError) || Date.now() + delay > deadline) throw err;
        this.#keepAlive();
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2_000);
      }
    }
  }
}
