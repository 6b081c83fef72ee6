// Task messages the work queue holds at or below the `workers` consumer's ack floor: the consumer
// will never deliver them again, so each is either removed (its task is finished) or requeued.
//
// RECFLOW_TASKS is a work queue: a message is removed when the consumer acks it. On a replicated
// stream nats-server 2.9 gets this wrong after leader changes, in two ways the nemesis run saw:
// - acked messages that stay stored (every task finished, the consumer idle with its ack floor
//   at the last message, 4 messages left): they count as queued work forever (the queue depth
//   autoscaling reads, the tenant's queued count its quota is checked against);
// - messages the consumer passed over: its delivered and ack-floor pointers moved past 49
//   messages whose tasks never started (still Queued), after its leader's node was paused. The
//   consumer will not deliver them: without help those tasks would wait forever.
// Later servers clean up the first kind themselves; nothing does the second. So the janitor looks
// at each such message's task log (from the stream leader): finished → the message is removed;
// not finished → it is published again (a new message the consumer will deliver, attempt 1, with
// the trace headers it had) and the old one removed. Publishing before removing means a crash in
// between can only requeue twice, and the event log's compare-and-set makes a second run write
// nothing once the task is finished.
import { taskMessageCodec } from "../api/codec.js";
import { isTerminalEvent } from "../api/task-model.js";
import type { TaskMessage__Output } from "../generated/recflow/v1/TaskMessage.js";
import type { Logger } from "../log.js";
import type { Broker } from "./connection.js";
import type { EventLog } from "./event-log.js";
import type { GotMessage } from "./jetstream-requests.js";
import { isNotFound } from "./nats-errors.js";
import { TASKS_STREAM, TASKS_SUBJECTS, WORKERS_CONSUMER } from "./subjects.js";

/** What the janitor reads: the stream's first stored message and the consumer's ack floor (stream sequences). */
export interface QueueState {
  firstSeq: number;
  messages: number;
  ackFloorStreamSeq: number;
  /** Consumers on the stream: the rule holds for exactly one. */
  consumers: number;
}

/** The highest stream sequence the consumer has passed when messages are stored at or below it, else undefined. */
export function passedOverUpTo(s: QueueState): number | undefined {
  if (s.consumers !== 1 || s.messages === 0 || s.ackFloorStreamSeq < s.firstSeq) return undefined;
  return s.ackFloorStreamSeq;
}

export interface JanitorDeps {
  broker: Broker;
  events: EventLog;
  log: Logger;
  /** The work queue and its one consumer (tests use a stream of their own). */
  stream?: string;
  consumer?: string;
  subjects?: string;
}

/** At most this many messages are handled per pass; the next pass goes on. */
const MAX_PER_PASS = 500;

/** One pass: returns how many passed-over messages were removed and how many requeued. */
export async function sweepPassedOver(d: JanitorDeps): Promise<{ removed: number; requeued: number }> {
  const stream = d.stream ?? TASKS_STREAM;
  const jsm = d.broker.jsm;
  const consumer = await jsm.consumers.info(stream, d.consumer ?? WORKERS_CONSUMER);
  const info = await jsm.streams.info(stream);
  const upTo = passedOverUpTo({ firstSeq: info.state.first_seq, messages: info.state.messages, ackFloorStreamSeq: consumer.ack_floor.stream_seq, consumers: info.state.consumer_count });
  const done = { removed: 0, requeued: 0 };
  if (upTo === undefined) return done;
  for (let seq = info.state.first_seq, n = 0; seq <= upTo && n < MAX_PER_PASS; n++) {
    const m = await nextStored(d.broker, stream, seq, d.subjects ?? TASKS_SUBJECTS);
    if (!m || m.seq > upTo) break;
    seq = m.seq + 1;
    done[await settle(d, stream, m)]++;
  }
  if (done.removed + done.requeued > 0) d.log.warn({ ...done, upToSeq: upTo }, "task messages the consumer passed over: finished ones removed, unfinished ones requeued");
  return done;
}

/** The first message at or after `seq`, from the stream leader. */
async function nextStored(broker: Broker, stream: string, seq: number, subjects: string): Promise<GotMessage | undefined> {
  try {
    return await broker.requests.leaderGet(stream, { seq, next_by_subj: subjects });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function settle(d: JanitorDeps, stream: string, m: GotMessage): Promise<"removed" | "requeued"> {
  let task: TaskMessage__Output | undefined;
  try {
    task = taskMessageCodec.decode(m.data);
  } catch {
    task = undefined; // cannot ever run: remove it
  }
  const last = task ? await d.events.last(task.tenant, task.taskId, "leader") : null;
  if (task && !(last && isTerminalEvent(last))) {
    const headers: Record<string, string> = {};
    for (const name of ["traceparent", "tracestate"]) {
      const v = m.header(name);
      if (v !== undefined) headers[name] = v;
    }
    // A message id of its own: the task id (the submit's) may still be in the duplicate window.
    await d.broker.requests.publish(m.subject, m.data, { msgId: `${task.taskId}:requeued:${m.seq}`, headers });
    d.log.warn({ taskId: task.taskId, seq: m.seq }, "task the work-queue consumer passed over requeued");
  } else {
    d.log.info({ taskId: task?.taskId, seq: m.seq, last: last?.event ?? null, lastSeq: last?.sequence ?? null }, "passed-over task message removed: its task is finished (or it is not a task message)");
  }
  try {
    await d.broker.jsm.streams.deleteMessage(stream, m.seq, false);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return task && !(last && isTerminalEvent(last)) ? "requeued" : "removed";
}

/** Runs sweepPassedOver every `everyMs` until `signal` aborts; failures are logged and retried next time. */
export function startQueueJanitor(d: JanitorDeps, everyMs: number, signal: AbortSignal): void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepPassedOver(d)
      .catch((err: unknown) => d.log.debug({ err }, "work-queue sweep skipped"))
      .finally(() => void (running = false));
  }, everyMs);
  timer.unref();
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
