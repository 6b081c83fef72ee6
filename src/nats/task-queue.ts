// The RECFLOW_TASKS work queue: publishing task messages and pulling them as TaskDeliveries.
// A delivery's attempt number is the JetStream delivery count, the fencing token (docs/architecture.md, "Delivery rules").
import type { Msg } from "nats";
import { taskMessageCodec } from "../api/codec.js";
import type { TaskMessage, TaskMessage__Output } from "../generated/recflow/v1/TaskMessage.js";
import type { Logger } from "../log.js";
import type { Broker } from "./connection.js";
import { mapPublishError } from "./event-log.js";
import { isNotFound } from "./nats-errors.js";
import { TASKS_STREAM, WORKERS_CONSUMER, taskSubject } from "./subjects.js";
import { TaskPull, type TaskPullOptions } from "./task-pull.js";
import { UnavailableError } from "../errors.js";
import type { TraceContext } from "../tracing.js";

/** One delivery of a task message to this worker. */
export interface TaskDelivery {
  readonly task: TaskMessage__Output;
  /** 1-based: how many times JetStream has delivered this message, this one included. */
  readonly attempt: number;
  readonly streamSeq: number;
  /** When JetStream stored the message, by the NATS server's clock (epoch ms; NaN if unknown). */
  readonly storedAtMs?: number;
  /** The W3C trace context the submitter put in the message's headers, if any. */
  readonly traceContext: TraceContext | undefined;
  /**
   * Resets the ack_wait timer: "still working on it". False when it could not even be sent (the
   * connection is closed or draining): the message is no longer kept alive by this worker.
   * While NATS is reconnecting it is queued and sent on reconnect, so that still counts.
   */
  working(): boolean;
  /**
   * Done for good (terminal event stored). Not confirmed: a lost ack only means one more
   * delivery, which finds the terminal event and acks again without running the task.
   */
  ack(): void;
  /** Redeliver after `delayMs`. */
  nak(delayMs: number): void;
  /** Never redeliver. */
  term(): void;
}

/**
 * Delivery count and stream sequence from a JetStream ack subject, as nats.js reads them:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<streamSeq>.<consumerSeq>.<ns>.<pending>`, or the form
 * with `<domain>.<account hash>` after `ACK` and a random token at the end.
 */
export function parseAckSubject(reply: string): { attempt: number; streamSeq: number } | undefined {
  const t = reply.split(".");
  if (t[0] !== "$JS" || t[1] !== "ACK") return undefined;
  const at = t.length === 9 ? 4 : t.length >= 11 ? 6 : -1;
  if (at < 0) return undefined;
  const attempt = Number(t[at]);
  const streamSeq = Number(t[at + 1]);
  return Number.isSafeInteger(attempt) && attempt > 0 && Number.isSafeInteger(streamSeq) ? { attempt, streamSeq } : undefined;
}

const ACK = Uint8Array.of(43, 65, 67, 75); // +ACK
const WPI = Uint8Array.of(43, 87, 80, 73); // +WPI: in progress, resets ack_wait
const TERM = Uint8Array.of(43, 84, 69, 82, 77); // +TERM
const NAK = Uint8Array.of(45, 78, 65, 75); // -NAK
const encoder = new TextEncoder();

/** A delivery answered straight on its ack subject (what nats.js's JsMsg does, without its wrapper). */
class JsTaskDelivery implements TaskDelivery {
  readonly task: TaskMessage__Output;
  readonly attempt: number;
  readonly streamSeq: number;
  readonly #msg: Msg;
  /** Acked, nak'ed or termed: later answers (and heartbeats) are not sent. */
  #answered = false;
  constructor(msg: Msg, task: TaskMessage__Output, info: { attempt: number; streamSeq: number }) {
    this.#msg = msg;
    this.task = task;
    this.attempt = info.attempt;
    this.streamSeq = info.streamSeq;
  }
  /** The `<ns>` token of the ack subject: the stored message's timestamp (see parseAckSubject). */
  get storedAtMs(): number {
    const t = (this.#msg.reply ?? "").split(".");
    const at = t.length === 9 ? 7 : t.length >= 11 ? 9 : -1;
    return at < 0 ? Number.NaN : Number(t[at]) / 1e6;
  }
  get traceContext(): TraceContext | undefined {
    const traceparent = this.#msg.headers?.get("traceparent");
    return traceparent ? { traceparent, tracestate: this.#msg.headers?.get("tracestate") || undefined } : undefined;
  }
  working(): boolean {
    try {
      if (!this.#answered) this.#msg.respond(WPI);
      return true;
    } catch {
      return false;
    }
  }
  ack(): void {
    this.#answer(ACK);
  }
  nak(delayMs: number): void {
    this.#answer(delayMs > 0 ? encoder.encode(`-NAK ${JSON.stringify({ delay: delayMs * 1_000_000 })}`) : NAK);
  }
  term(): void {
    this.#answer(TERM);
  }
  #answer(payload: Uint8Array): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#msg.respond(payload);
  }
}

export class TaskQueue {
  readonly #broker: Broker;
  readonly #log: Logger;

  constructor(broker: Broker, log: Logger) {
    this.#broker = broker;
    this.#log = log;
  }

  /** Publishes a task message; `msgId` (the task id) de-duplicates retried submits; `trace` goes in its headers. */
  async publish(tenant: string, kind: string, message: TaskMessage, trace?: TraceContext): Promise<number> {
    try {
      const ack = await this.#broker.requests.publish(taskSubject(tenant, kind), taskMessageCodec.encode(message), { msgId: String(message.taskId), headers: trace && { traceparent: trace.traceparent, tracestate: trace.tracestate } });
      return ack.seq;
    } catch (err) {
      return mapPublishError(err);
    }
  }

  /**
   * Starts pulling deliveries for this worker (long-poll requests on one inbox, see task-pull.ts);
   * `onDelivery` gets each one at once. Messages that are not task messages are terminated and
   * logged: they can never succeed. The caller calls `refill()` whenever capacity frees up.
   */
  startPull(opts: Omit<TaskPullOptions, "onMessage"> & { onDelivery(d: TaskDelivery): void }): TaskPull {
    const log = this.#log;
    return new TaskPull(this.#broker, log, {
      ...opts,
      onMessage: (msg) => {
        const info = parseAckSubject(msg.reply ?? "");
        if (!info) {
          log.error({ subject: msg.subject, reply: msg.reply }, "pull inbox got a message that is not a JetStream delivery; ignored");
          return;
        }
        let task: TaskMessage__Output;
        try {
          task = taskMessageCodec.decode(msg.data);
        } catch (err) {
          log.error({ err, subject: msg.subject, seq: info.streamSeq }, "undecodable task message terminated");
          msg.respond(TERM);
          return;
        }
        opts.onDelivery(new JsTaskDelivery(msg, task, info));
      },
    });
  }

  /** The task message at a stream sequence, if still there (used by the DLQ path). */
  async get(streamSeq: number): Promise<TaskMessage__Output | null> {
    try {
      const m = await this.#broker.jsm.streams.getMessage(TASKS_STREAM, { seq: streamSeq });
      return taskMessageCodec.decode(m.data);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Removes a message from the work queue (after it was dead-lettered). */
  async remove(streamSeq: number): Promise<void> {
    try {
      await this.#broker.jsm.streams.deleteMessage(TASKS_STREAM, streamSeq, false);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Task messages of one tenant still in the work queue (waiting or running): its queued count. */
  async countOf(tenant: string): Promise<number> {
    try {
      const info = await this.#broker.jsm.streams.info(TASKS_STREAM, { subjects_filter: taskSubject(tenant, ">") });
      return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    } catch (err) {
      throw UnavailableError.from(err);
    }
  }

  /**
   * Messages waiting and unacked: the queue depth that autoscaling and the CLI report; and the
   * pull requests waiting on the consumer (zero for long means no worker is asking for work).
   */
  async depth(): Promise<{ pending: number; ackPending: number; waitingPulls: number }> {
    const info = await this.#broker.jsm.consumers.info(TASKS_STREAM, WORKERS_CONSUMER);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, waitingPulls: info.num_waiting };
  }
}
