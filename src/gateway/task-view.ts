// The task as GetTask shows it, read from its first and latest events: shared by the handlers
// that answer with a Task (SubmitTask, BatchSubmitTasks, GetTask, CancelTask, ListTasks), so a
// batch entry is answered exactly as the same submit alone would be.
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import { taskView, type StoredEvent } from "../api/task-model.js";
import { NotFoundError, UnavailableError } from "../errors.js";
import type { EventLog } from "../nats/index.js";

/** The task's view; `known` is its latest event when the caller just read it. */
export async function readTaskView(events: EventLog, tenant: string, taskId: string, known?: StoredEvent): Promise<Task__Output> {
  const [first, last] = await Promise.all([events.first(tenant, taskId), known ?? events.last(tenant, taskId)]);
  if (!first && !last) throw new NotFoundError(`task ${taskId} not found`);
  // One read found the task and the other did not: direct gets (allow_direct) were answered by
  // two replicas, one behind. Seen in the nemesis run after a partition, on a retried submit.
  if (!first || !last) throw new UnavailableError(`task ${taskId} is not readable on every replica yet; retry`);
  return taskView(first, last);
}

/**
 * The task a submit found already there (its first event was written by a worker or a concurrent
 * submit of the same request_id). The leader just said it exists, yet direct gets may come from a
 * replica that is behind (the nemesis run's partitioned leader answered NOT_FOUND to a retried
 * request_id): not knowing is UNAVAILABLE.
 */
export function readExistingTask(events: EventLog, tenant: string, taskId: string): Promise<Task__Output> {
  return readTaskView(events, tenant, taskId).catch((e: unknown) => {
    if (e instanceof NotFoundError) throw new UnavailableError(`task ${taskId} exists but this replica has not caught up; retry`, { cause: e });
    throw e;
  });
}
