// RECFLOW_DLQ: a copy of every task that failed for good, with its error, for inspection and replay.
import { deadLetterCodec } from "../api/codec.js";
import type { DeadLetter, DeadLetter__Output } from "../generated/recflow/v1/DeadLetter.js";
import { isNotFound } from "./nats-errors.js";
import type { Broker } from "./connection.js";
import { mapPublishError } from "./event-log.js";
import { DLQ_STREAM, dlqSubject } from "./subjects.js";

export async function publishDeadLetter(broker: Broker, tenant: string, kind: string, letter: DeadLetter): Promise<void> {
  try {
    // One dead letter per task: a retried publish (or the advisory and a worker racing) dedupes.
    await broker.requests.publish(dlqSubject(tenant, kind), deadLetterCodec.encode(letter), { msgId: `dlq:${String(letter.task?.taskId)}` });
  } catch (err) {
    mapPublishError(err);
  }
}

/** Dead letters stored in RECFLOW_DLQ, all tenants (the DLQ size gauge). */
export async function countDeadLetters(broker: Broker): Promise<number> {
  return (await broker.jsm.streams.info(DLQ_STREAM)).state.messages;
}

export interface StoredDeadLetter {
  /** Stream sequence in RECFLOW_DLQ: the handle for replay and removal. */
  seq: number;
  letter: DeadLetter__Output;
}

/** Dead letters after `afterSeq`, oldest first, at most `limit`, optionally of one tenant. */
export async function listDeadLetters(broker: Broker, opts: { afterSeq?: number; limit?: number; tenant?: string } = {}): Promise<StoredDeadLetter[]> {
  const limit = opts.limit ?? 100;
  const filter = opts.tenant ? dlqSubject(opts.tenant, "*") : "recflow.dlq.>";
  const out: StoredDeadLetter[] = [];
  let seq = opts.afterSeq ?? 0;
  while (out.length < limit) {
    let m;
    try {
      m = await broker.requests.directGet(DLQ_STREAM, { seq: seq + 1, next_by_subj: filter });
    } catch (err) {
      if (isNotFound(err)) break;
      throw err;
    }
    seq = m.seq;
    out.push({ seq, letter: deadLetterCodec.decode(m.data) });
  }
  return out;
}

/** Deletes one dead letter (after a replay); false when it was already gone. */
export async function removeDeadLetter(broker: Broker, seq: number): Promise<boolean> {
  try {
    return await broker.jsm.streams.deleteMessage(DLQ_STREAM, seq, false);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
