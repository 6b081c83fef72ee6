// RECFLOW_DLQ: a copy of every task that failed for good, with its error, for inspection and replay.
import { deadLetterCodec } from "../api/codec.js";
import type { DeadLetter } from "../generated/recflow/v1/DeadLetter.js";
import type { Broker } from "./connection.js";
import { mapPublishError } from "./event-log.js";
import { dlqSubject } from "./subjects.js";

export async function publishDeadLetter(broker: Broker, tenant: string, kind: string, letter: DeadLetter): Promise<void> {
  try {
    // One dead letter per task: a retried publish (or the advisory and a worker racing) dedupes.
    await broker.js.publish(dlqSubject(tenant, kind), deadLetterCodec.encode(letter), { msgID: `dlq:${String(letter.task?.taskId)}` });
  } catch (err) {
    mapPublishError(err);
  }
}
