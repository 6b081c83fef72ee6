// Replaying a dead letter: the one code path shared by `recflow dlq replay` and the dashboard.
import { newTaskId } from "../api/task-id.js";
import { toTimestamp } from "../api/task-model.js";
import type { Broker } from "./connection.js";
import { removeDeadLetter, type StoredDeadLetter } from "./dead-letters.js";
import { enqueueTask } from "./enqueue.js";
import type { EventLog } from "./event-log.js";
import type { TaskQueue } from "./task-queue.js";

/**
 * Re-submits a dead-lettered task as a new task (the old one stays FAILED: its log is final), with
 * label `replay-of` = the old id and without the old deadline, then removes the dead letter
 * unless `keep`. Returns the new task's id, or undefined when the letter holds no task to replay.
 */
export async function replayDeadLetter(
  deps: { broker: Broker; queue: TaskQueue; events: EventLog },
  dead: StoredDeadLetter,
  opts: { keep?: boolean } = {},
): Promise<{ taskId: string; tenant: string; replayOf: string } | undefined> {
  const old = dead.letter.task;
  if (!old?.spec || !old.tenant) return undefined;
  const taskId = newTaskId();
  // The old deadline has usually passed; a replay that failed at once for it would be useless.
  const spec = { ...old.spec, deadline: null, labels: { ...old.spec.labels, "replay-of": old.taskId } };
  await enqueueTask(deps.queue, deps.events, { taskId, tenant: old.tenant, requestId: "", spec, createTime: toTimestamp(Date.now()) });
  if (!opts.keep) await removeDeadLetter(deps.broker, dead.seq);
  return { taskId, tenant: old.tenant, replayOf: old.taskId };
}
