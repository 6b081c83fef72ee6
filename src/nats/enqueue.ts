// Putting a new task on the queue: the work message first, then its Queued event, both durable.
// If the caller dies in between, the worker that pulls the task writes Queued itself (same
// expected sequence 0), so nothing is left half-stored. Used by SubmitTask and `recflow dlq replay`.
import { kindOf, kindToken, makeEvent } from "../api/task-model.js";
import type { TaskMessage } from "../generated/recflow/v1/TaskMessage.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import type { EventLog } from "./event-log.js";
import type { TaskQueue } from "./task-queue.js";

/** Publishes the task and appends its Queued event; returns the event and its sequence. Throws AppendConflictError when the task already has events. */
export async function enqueueTask(queue: TaskQueue, events: EventLog, message: TaskMessage & { taskId: string; tenant: string; spec: TaskSpec }, nowMs = Date.now()): Promise<{ event: ReturnType<typeof makeEvent>; sequence: number }> {
  const kind = kindOf(message.spec);
  await queue.publish(message.tenant, kindToken(kind), message);
  const event = makeEvent(message.taskId, null, { queued: { spec: message.spec, requestId: message.requestId ?? "" } }, kind, nowMs);
  const sequence = await events.append(message.tenant, message.taskId, event, { expectedLastSeq: 0, msgId: `${message.taskId}:queued` });
  return { event, sequence };
}
