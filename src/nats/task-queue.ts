// The RECFLOW_TASKS work queue: publishing task messages and pulling them as TaskDeliveries.
// A delivery's attempt number is the JetStream delivery count, the fencing token (docs/architecture.md, "Delivery rules").
import type { Consumer, JsMsg } from "nats";
import { taskMessageCodec } from "../api/codec.js";
import type { TaskMessage, TaskMessage__Output } from "../generated/recflow/v1/TaskMessage.js";
import type { Logger } from "../log.js";
import type { Broker } from "./connection.js";
import { mapPublishError } from "./event-log.js";
import { isNotFound, isTransient } from "./nats-errors.js";
import { TASKS_STREAM, WORKERS_CONSUMER, taskSubject } from "./subjects.js";
import { UnavailableError } from "../errors.js";
import type { TraceContext } from "../tracing.js";

/** One delivery of a task message to this worker. */
export interface TaskDelivery {
  readonly task: TaskMessage__Output;
  /** 1-based: how many times JetStream has delivered this message, this one included. */
  readonly attempt: number;
  readonly streamSeq: number;
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

class JsTaskDelivery implements TaskDelivery {
  readonly task: TaskMessage__Output;
  readonly attempt: number;
  readonly streamSeq: number;
  readonly #msg: JsMsg;
  constructor(msg: JsMsg, task: TaskMessage__Output) {
    this.#msg = msg;
    this.task = task;
    this.attempt = msg.info.redeliveryCount;
    this.streamSeq = msg.info.streamSequence;
  }
  get traceContext(): TraceContext | undefined {
    const traceparent = this.#msg.headers?.get("traceparent");
    return traceparent ? { traceparent, tracestate: this.#msg.headers?.get("tracestate") || undefined } : undefined;
  }
  working(): boolean {
    try {
      this.#msg.working();
      return true;
    } catch {
      return false;
    }
  }
  ack(): void {
    this.#msg.ack();
  }
  nak(delayMs: number): void {
    this.#msg.nak(delayMs);
  }
  term(): void {
    this.#msg.term();
  }
}

export class TaskQueue {
  readonly #broker: Broker;
  readonly #log: Logger;
  #consumer: Consumer | undefined;

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
   * Pulls up to `max` deliveries, waiting at most `expiresMs` for the first. Messages that are not
   * task messages are terminated and logged: they can never succeed.
   */
  async pull(max: number, expiresMs: number, signal?: AbortSignal): Promise<AsyncIterable<TaskDelivery>> {
    this.#consumer ??= await this.#broker.js.consumers.get(TASKS_STREAM, WORKERS_CONSUMER);
    let iter;
    try {
      iter = await this.#consumer.fetch({ max_messages: max, expires: expiresMs });
    } catch (err) {
      if (isTransient(err)) throw UnavailableError.from(err);
      throw err;
    }
    const log = this.#log;
    const onAbort = (): void => iter.stop();
    signal?.addEventListener("abort", onAbort, { once: true });
    return (async function* () {
      for await (const msg of iter) {
        let task: TaskMessage__Output;
        try {
          task = taskMessageCodec.decode(msg.data);
        } catch (err) {
          log.error({ err, subject: msg.subject, seq: msg.seq }, "undecodable task message terminated");
          msg.term();
          continue;
        }
        yield new JsTaskDelivery(msg, task);
      }
      signal?.removeEventListener("abort", onAbort);
    })();
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
