// A job's thread messages → event appends, in order, behind the attempt's log read (see TaskRunner;
// AttemptLog writes Started before the first progress, or folds it into the first partial result).
import type { EventBody } from "../api/task-model.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import type { AttemptLog } from "./attempt-log.js";
import type { ThreadMessage } from "./thread-protocol.js";

/**
 * Serialises a job's thread messages into appends: partial results and milestones in order and
 * never dropped, other progress throttled to one event per interval (the latest wins). Every append is also a
 * heartbeat. The first append failure (conflict = cancelled or fenced) stops the job.
 */
export class EventStream {
  failure: Error | undefined;
  #chain: Promise<void> = Promise.resolve();
  #pendingProgress: EventBody | undefined;
  #progressTimer: NodeJS.Timeout | undefined;
  #lastProgressAt = 0;
  readonly #alog: AttemptLog;
  readonly #intervalMs: number;
  readonly #keepAlive: () => void;
  readonly #job: AbortController;
  readonly #log: Logger;

  constructor(alog: AttemptLog, intervalMs: number, keepAlive: () => void, job: AbortController, log: Logger) {
    this.#alog = alog;
    this.#intervalMs = intervalMs;
    this.#keepAlive = keepAlive;
    this.#job = job;
    this.#log = log;
  }

  /**
   * The job began: queues what its events must wait for (the log read), ahead of them. The first
   * call is the job's start, from which the first progress is throttled too: a job that ends
   * within one interval reports no progress at all.
   */
  begin(startup: () => Promise<void>): void {
    this.#lastProgressAt ||= Date.now();
    this.then(startup);
  }

  /**
   * Runs `step` (an append of the runner's own, e.g. a deferred Started) in order with the job's
   * events: appends of one attempt never overlap (a second one in flight could take the first's
   * place and fence its own attempt).
   */
  then(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      if (this.failure) return;
      await step();
    }).catch((err: unknown) => this.#failed(err));
  }

  push(msg: ThreadMessage): void {
    if (msg.type === "partial") {
      this.#enqueue({ partialResult: msg.chunk });
    } else if (msg.type === "progress" && msg.milestone) {
      // A milestone (e.g. a finished tuning trial) is never coalesced away: it replaces any
      // throttled progress still waiting and is appended in order, like a partial result.
      this.#pendingProgress = undefined;
      this.#enqueue({ progress: { fraction: msg.fraction, message: msg.message, metrics: msg.metrics ?? {} } });
    } else if (msg.type === "progress") {
      this.#pendingProgress = { progress: { fraction: msg.fraction, message: msg.message, metrics: msg.metrics ?? {} } };
      if (this.#progressTimer) return;
      const wait = Math.max(0, this.#lastProgressAt + this.#intervalMs - Date.now());
      this.#progressTimer = setTimeout(() => {
        this.#progressTimer = undefined;
        const body = this.#pendingProgress;
        this.#pendingProgress = undefined;
        if (body) this.#enqueue(body);
      }, wait).unref();
    }
  }

  #enqueue(body: EventBody): void {
    this.#chain = this.#chain.then(async () => {
      if (this.failure) return;
      try {
        await this.#alog.append(body);
        if ("progress" in body) this.#lastProgressAt = Date.now();
        this.#keepAlive();
      } catch (err) {
        this.#failed(err);
      }
    });
  }

  #failed(err: unknown): void {
    this.failure = err instanceof Error ? err : new Error(errorMessage(err));
    this.#log.debug({ err }, "event append failed; stopping the job");
    this.#job.abort(this.failure);
  }

  /** Waits for queued appends; a throttled progress still pending is dropped (the outcome follows). */
  async flush(): Promise<void> {
    clearTimeout(this.#progressTimer);
    this.#progressTimer = undefined;
    this.#pendingProgress = undefined;
    await this.#chain;
  }
}
