// Removes task messages that the work queue kept after they were acked ("stranded" messages).
//
// RECFLOW_TASKS is a work queue: a message is removed when the `workers` consumer acks it. On a
// replicated stream, nats-server 2.9 removes it as each replica processes the ack, and after a
// leader change some replicas can miss that (later servers added a periodic clean-up below the
// consumers' ack floor for this). The nemesis run saw it: every task finished and was acked (the
// consumer: nothing pending, ack floor at the last message), yet 4 messages stayed in the stream.
// They are never delivered again, but they count as queued work: the queue depth that autoscaling
// reads, and the tenant's queued count that its quota is checked against.
//
// Every message at or below the consumer's ack floor has been acked, so a message still stored
// there is stranded: purging the stream up to the floor removes exactly those (the same rule as
// the server's later fix). With one consumer on the stream, its floor is the stream's.
import type { JetStreamManager } from "nats";
import type { Logger } from "../log.js";
import { TASKS_STREAM, WORKERS_CONSUMER } from "./subjects.js";

/** What the janitor reads: the stream's first stored message and the consumer's ack floor (stream sequences). */
export interface QueueState {
  firstSeq: number;
  messages: number;
  ackFloorStreamSeq: number;
  /** Consumers on the stream: the rule holds for exactly one. */
  consumers: number;
}

/** The sequence to purge up to (exclusive) when stranded messages are stored, else undefined. */
export function strandedPurgeSeq(s: QueueState): number | undefined {
  if (s.consumers !== 1 || s.messages === 0 || s.ackFloorStreamSeq < s.firstSeq) return undefined;
  return s.ackFloorStreamSeq + 1;
}

/** Reads the queue's state and purges its stranded messages; returns how many were removed. */
export async function purgeStrandedTasks(jsm: JetStreamManager, log: Logger): Promise<number> {
  // Whatever happens between the two reads, messages at or below the floor stay acked.
  const consumer = await jsm.consumers.info(TASKS_STREAM, WORKERS_CONSUMER);
  const stream = await jsm.streams.info(TASKS_STREAM);
  const seq = strandedPurgeSeq({
    firstSeq: stream.state.first_seq, messages: stream.state.messages, ackFloorStreamSeq: consumer.ack_floor.stream_seq, consumers: stream.state.consumer_count,
  });
  if (seq === undefined) return 0;
  const { purged } = await jsm.streams.purge(TASKS_STREAM, { seq });
  if (purged > 0) log.warn({ purged, belowSeq: seq }, "removed task messages the work queue kept after they were acked");
  return purged;
}

/** Runs purgeStrandedTasks every `everyMs` until `signal` aborts; failures are logged and retried next time. */
export function startQueueJanitor(jsm: JetStreamManager, log: Logger, everyMs: number, signal: AbortSignal): void {
  const timer = setInterval(() => {
    purgeStrandedTasks(jsm, log).catch((err: unknown) => log.debug({ err }, "work-queue clean-up skipped"));
  }, everyMs);
  timer.unref();
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
