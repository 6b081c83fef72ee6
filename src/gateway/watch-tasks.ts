// WatchTasks: one server stream for many tasks of the caller's tenant, by ids or by a label
// selector (see nats/task-set-watch.ts for the ordering and resume rules). It counts as one watch
// against the tenant's limit, and shares WatchTask's back-pressure: the handler waits for 'drain'
// before pulling the next event, and the event source re-reads the stream when it falls behind.
import type * as grpc from "@grpc/grpc-js";
import type { WatchTasksRequest__Output } from "../generated/recflow/v1/WatchTasksRequest.js";
import type { TaskEvent } from "../generated/recflow/v1/TaskEvent.js";
import { UnavailableError, ValidationError } from "../errors.js";
import { watchTaskSet, type TaskSet } from "../nats/index.js";
import { toGrpcStatus } from "./grpc-status.js";
import { parseLabelSelector } from "./label-selector.js";
import { validateTaskId } from "./validation.js";
import type { TasksServiceDeps } from "./tasks-service.js";

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

function waitForDrain(call: grpc.ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      call.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.on("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

export function watchTasks(deps: TasksServiceDeps): grpc.handleServerStreamingCall<WatchTasksRequest__Output, TaskEvent> {
  const { auth, quotas, log } = deps;
  return (call) => {
    const abort = new AbortController();
    // With a reason, abort() does not build a DOMException (grpc-js reports every stream's close as "cancelled").
    const onShutdown = (): void => abort.abort("shutdown");
    deps.shutdown.addEventListener("abort", onShutdown, { once: true });
    call.on("cancelled", () => abort.abort("cancelled"));
    let release = (): void => undefined;
    const run = async (): Promise<void> => {
      const tenant = auth.tenantOf(call.metadata);
      const set = taskSetOf(call.request);
      const after = Number(call.request.afterSequence);
      if (!Number.isSafeInteger(after) || after < 0) throw ValidationError.field("after_sequence", "must be a non-negative integer");
      release = quotas.openWatch(tenant);
      const source = watchTaskSet({ broker: deps.broker, events: deps.events, feed: deps.feed, log }, tenant, set, after, abort.signal);
      for await (const ev of source) {
        if (!call.write(ev)) await waitForDrain(call, abort.signal);
        if (abort.signal.aborted) break;
      }
      if (deps.shutdown.aborted && !call.cancelled) {
        throw new UnavailableError("gateway shutting down; reconnect and resume with after_sequence");
      }
      if (!call.cancelled) call.end();
    };
    run()
      .catch((err: unknown) => {
        if (call.cancelled) return;
        call.emit("error", toGrpcStatus(err, log));
      })
      .finally(() => {
        release();
        deps.shutdown.removeEventListener("abort", onShutdown);
      });
  };
}
