// The event log as seen by one attempt of one task: appends with optimistic concurrency and
// de-duplication ids, remembers the last sequence and status, and turns a conflict into a
// decision: the task was finished by someone else (cancel, DLQ) or a newer attempt owns it.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { TaskError__Output } from "../generated/recflow/v1/TaskError.js";
import { isTerminal, makeEvent, nextStatus, type EventBody, type Status, type StoredEvent, type TaskKind } from "../api/task-model.js";
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

/** Random per process: the first part of every delivery tag this process hands out. */
const PROCESS_TAG = randomBytes(4).toString("hex");
let deliveries = 0;

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
  /**
   * Names this delivery in its events' ids (`<task>:<attempt>:<delivery>:<n>`): two deliveries
   * can carry the same attempt number (see checkOwnership), and an append that finds its place
   * taken must tell its own earlier try from the other delivery's event. This process's random
   * tag plus a count: unique across processes and deliveries, without a random draw per attempt
   * (randomBytes was 2 % of a worker's CPU per no-op task, measured).
   */
  readonly #delivery = `${PROCESS_TAG}${(deliveries++).toString(36)}`;
  /**
   * Whether this attempt has claimed the task in the log: its own Started is stored, or an event
   * that carried its start (see foldStart). Checked by checkOwnership.
   */
  #startedByMe = false;
  /** A start not written as its own Started event: the next append's status carries it. */
  #fold: { workerId: string; atMs: number } | undefined;
  readonly #events: EventLog;
  readonly #held: AbortSignal;
  readonly #retryForMs: number;

  /**
   * `held` is aborted once the attempt no longer holds its JetStream message (a heartbeat could
   * not be sent, the worker let go of it at shutdown); `retryForMs` bounds how long one write is
   * retried while NATS is unreachable (see #withRetry).
   */
  constructor(opts: { events: EventLog; tenant: string; taskId: string; attempt: number; kind: TaskKind; held: AbortSignal; retryForMs: number }) {
    this.#events = opts.events;
    this.tenant = opts.tenant;
    this.taskId = opts.taskId;
    this.attempt = opts.attempt;
    this.kind = opts.kind;
    this.#held = opts.held;
    this.#retryForMs = opts.retryForMs;
  }

  /**
   * Reads the latest event (retrying while the broker is unreachable), from the stream leader:
   * what this attempt decides from it (run, stop, write after it) must not rest on a replica
   * that is behind, e.g. one that has not yet stored a newer attempt's Started.
   */
  async refresh(): Promise<StoredEvent | null> {
    const last = await this.#withRetry(() => this.#events.last(this.tenant, this.taskId, "leader"));
    this.lastSeq = last?.sequence ?? 0;
    this.lastStatus = last?.status ?? null;
    this.lastFailure = last?.failed?.error ?? null;
    return last;
  }

  /**
   * Throws if the log says this attempt must not go on: the task is finished, or another
   * delivery started it with an attempt number at least ours. "At least": two deliveries can
   * carry the same number when a consumer leader change loses the last delivery-count update
   * (nats-server replicates it after the delivery), and of those only the one whose Started is
   * stored goes on; the other stops without ack, and the next delivery has a higher number.
   */
  checkOwnership(): void {
    const s = this.lastStatus;
    if (s && isTerminal(s.state)) throw new TaskFinishedElsewhereError(`task already ${s.state}`);
    if (s && (s.attempt > this.attempt || (s.attempt === this.attempt && !this.#startedByMe))) {
      throw new AttemptFencedError(`attempt ${this.attempt} superseded by attempt ${s.attempt}${s.attempt === this.attempt ? " of another delivery" : ""}`);
    }
  }

  /**
   * Writes the task's first event if the log is still empty (create-if-absent: when another
   * writer got there first, theirs stands and we just read it).
   */
  async appendFirst(body: EventBody): Promise<void> {
    const event = makeEvent(this.taskId, null, body, this.kind, this.#events.clock.now());
    try {
      this.lastSeq = await this.#withRetry(() => this.#events.append(this.tenant, this.taskId, event, { expectedLastSeq: 0, msgId: `${this.taskId}:queued` }));
      this.lastStatus = event.status as Status;
    } catch (err) {
      if (!(err instanceof AppendConflictError)) throw err;
      await this.refresh();
    }
  }

  /** Whether this attempt's start is stored: its Started event, or an event that carried it. */
  get claimed(): boolean {
    return this.#startedByMe;
  }

  /**
   * The attempt began at `atMs` but writes no Started event for it yet. If the attempt's next
   * event is a partial result or Succeeded, that event carries the start in its status (RUNNING,
   * this attempt, start_time), as if Started had come just before it, and is the compare-and-set
   * that claims the task: a short job that succeeds is stored as one event instead of two. Any
   * other event (progress, Retrying, Failed) gets its Started first, dated `atMs`: a watcher sees
   * a task RUNNING before its progress, and every attempt that fails names its worker. Nothing
   * changes once the attempt has claimed the task.
   */
  foldStart(workerId: string, atMs: number): void {
    if (!this.#startedByMe && !this.#fold) this.#fold = { workerId, atMs };
  }

  /**
   * Appends `body` after the last known event. One append at a time: a second one in flight
   * could take the first's place, re-read, find this attempt's own event and stop as fenced.
   */
  async append(body: EventBody): Promise<number> {
    // Started once per attempt: a claim by an earlier event (or Started) already stands.
    if ("started" in body && this.#startedByMe) return this.lastSeq;
    const fold = this.#fold;
    if (fold && !("started" in body || "partialResult" in body || "succeeded" in body)) {
      await this.append({ started: { attempt: this.attempt, workerId: fold.workerId } });
    }
    const msgId = `${this.taskId}:${this.attempt}:${this.#delivery}:${this.#counter++}`;
    for (;;) {
      const folded = this.#fold;
      // The status the event follows: the log's latest, or that plus this attempt's start. A
      // Started written after the job began is dated when it began.
      const prev = folded && !("started" in body) ? nextStatus(this.lastStatus, { started: { attempt: this.attempt, workerId: folded.workerId } }, folded.atMs, this.kind) as Status : this.lastStatus;
      const at = folded && "started" in body ? folded.atMs : this.#events.clock.now();
      const event = makeEvent(this.taskId, prev, body, this.kind, at);
      try {
        const seq = await this.#withRetry(() => this.#events.append(this.tenant, this.taskId, event, { expectedLastSeq: this.lastSeq, msgId }));
        this.lastSeq = seq;
        this.lastStatus = event.status as Status;
        if ("started" in body || folded) {
          this.#startedByMe = true;
          this.#fold = undefined;
        }
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
   * Retries while NATS is unreachable, for as long as the attempt holds its message (the runner
   * heartbeats it meanwhile). Giving up earlier hands a task that is still running, or already
   * done, to a second attempt: with a 3 s ack wait, an append that waited out one 5 s PubAck
   * during a 1 s NATS restart used to give up, and the task ran twice. The other bound is
   * `retryForMs`: past the de-duplication window, a retry whose first try was stored (only its
   * PubAck lost) would be stored a second time, e.g. a second Started.
   * When retrying ends, the error propagates and the message is redelivered after ack_wait.
   */
  async #withRetry<T>(fn: () => Promise<T>): Promise<T> {
    const giveUpAt = Date.now() + this.#retryForMs;
    let delay = 100;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof UnavailableError) || this.#held.aborted || Date.now() + delay > giveUpAt) throw err;
        try {
          await sleep(delay, undefined, { signal: this.#held });
        } catch {
          throw err; // let go of the message while waiting
        }
        delay = Math.min(delay * 2, 2_000);
      }
    }
  }
}
