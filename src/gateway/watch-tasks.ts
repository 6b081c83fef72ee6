// WatchTasks: one server stream for many tasks of the caller's tenant, by ids or by a label
// selector (see nats/task-set-watch.ts for the ordering and resume rules). It counts as one watch
// against the tenant's limit, and shares WatchTask's back-pressure: the handler waits for 'drain'
// before pulling the next event, and the event source re-reads the stream when it falls behind.
import type * as grpc from "@grpc/grpc-js";
import type { WatchTasksRequest__Output } from "../generated/recflow/v1/WatchTasksRequest.js";
import type { TaskEvent } from "../generated/recflow/v1/TaskEvent.js";
import { ValidationError } from "../errors.js";
import { watchTaskSet, type TaskSet } from "../nats/index.js";
import { parseLabelSelector } from "./label-selector.js";
import { validateTaskId } from "./validation.js";
import type { TasksServiceDeps } from "./tasks-service.js";
import { serveWatch } from "./watch-stream.js";

/** Task ids one WatchTasks call may list. */
export const MAX_WATCH_TASK_IDS = 10_000;

/** Which tasks the request selects; INVALID_ARGUMENT naming the field otherwise. */
export function taskSetOf(req: WatchTasksRequest__Output): TaskSet {
  const hasIds = req.taskIds.length > 0;
  const hasSelector = req.labelSelector !== "";
  if (hasIds === hasSelector) throw ValidationError.field(hasIds ? "label_selector" : "task_ids", "set exactly one of task_ids and label_selector");
  if (!hasIds) return { matches: parseLabelSelector("label_selector", req.labelSelector) };
  if (req.taskIds.length > MAX_WATCH_TASK_IDS) throw ValidationError.field("task_ids", `at most ${MAX_WATCH_TASK_IDS} ids per call, got ${req.taskIds.length}`);
  req.taskIds.forEach((id, i) => validateTaskId(`task_ids[${i}]`, id));
  return { ids: new Set(req.taskIds) };
}

export function watchTasks(deps: TasksServiceDeps): grpc.handleServerStreamingCall<WatchTasksRequest__Output, TaskEvent> {
  return (call) => serveWatch(call, deps, (req) => {
    const set = taskSetOf(req);
    return (tenant, after, signal) => watchTaskSet({ broker: deps.broker, events: deps.events, feed: deps.feed, log: deps.log }, tenant, set, after, signal);
  });
}
