// Putting a new task on the queue: its Queued event and its work message go out together (one
// write, Queued first) and are both confirmed before the caller answers, so a submit costs one
// round trip, not two. A worker that pulls the task before its Queued event is stored writes
// Queued itself (create-if-absent, expected sequence 0), so the order on the server does not
// matter. If the work message is not confirmed while Queued is stored, the task must not sit
// QUEUED forever: without a request id (the caller never learns the task id) it is closed with a
// retryable Failed{NOT_QUEUED}; with one, the client's retry re-publishes it (see republishTask).
// Used by SubmitTask and `recflow dlq replay`.
import { kindOf, kindToken, makeEvent } from "../api/task-model.js";
import type { TaskMessage } from "../generated/recflow/v1/TaskMessage.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import type { StoredEvent } from "../api/task-model.js";
import type { EventLog } from "./event-log.js";
import type { TaskQueue } from "./task-queue.js";
import type { TraceContext } from "../tracing.js";

type NewTask = TaskMessage & { taskId: string; tenant: string; spec: TaskSpec };

/**
 * Appends the task's Queued event and publishes its work message; returns the event and its sequence. Throws AppendConflictError when the task already has events.
 * With `trace`, Queued carries its trace id and the message its W3C headers: the worker's spans join that trace.
 */
export async function enqueueTask(queue: TaskQueue, events: EventLog, message: NewTask, nowMs = Date.now(), trace?: { traceId: string; outgoing: TraceContext }): Promise<{ event: ReturnType<typeof makeEvent>; sequence: number }> {
  const kind = kindOf(message.spec);
  const event = makeEvent(message.taskId, null, { queued: { spec: message.spec, requestId: message.requestId ?? "" } }, kind, nowMs);
  if (trace) event.status = { ...event.status, traceId: trace.traceId };
  const [queued, published] = await Promise.allSettled([
    events.append(message.tenant, message.taskId, event, { expectedLastSeq: 0, msgId: `${message.taskId}:queued` }),
    queue.publish(message.tenant, kindToken(kind), message, trace?.outgoing),
  ]);
  if (published.status === "rejected") {
    if (queued.status === "fulfilled" && !message.requestId) {
      const failed = makeEvent(message.taskId, event.status as StoredEvent["status"], {
        failed: { error: { code: 14, reason: "NOT_QUEUED", message: "the task message could not be stored; submit again", retryable: true, attempt: 0 } },
      }, kind);
      // Best effort: if this fails too, a worker that does get the message runs the task.
      await events.append(message.tenant, message.taskId, failed, { expectedLastSeq: queued.value, msgId: `${message.taskId}:not-queued` }).catch(() => undefined);
    }
    throw published.reason;
  }
  if (queued.status === "rejected") throw queued.reason;
  return { event, sequence: queued.value };
}

/**
 * A retried submit (same request id) found its task with nothing after Queued: the first attempt
 * may have stored Queued but not the work message, so publish it again. JetStream drops the copy
 * when the first one did arrive (same message id, within the stream's duplicate window).
 */
export async function republishTask(queue: TaskQueue, queued: StoredEvent, tenant: string): Promise<void> {
  if (queued.event !== "queued" || !queued.queued?.spec) return;
  await queue.publish(tenant, kindToken(kindOf(queued.queued.spec)), {
    taskId: queued.taskId, tenant, requestId: queued.queued.requestId, spec: queued.queued.spec, createTime: queued.time,
  });
}
