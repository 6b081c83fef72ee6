// TasksService handlers: validate, publish, read the event log, stream events. No CPU-heavy work
// here: everything is an await on NATS, so the event loop stays free for thousands of streams.
import type { TasksServiceHandlers } from "../generated/recflow/v1/TasksService.js";
import type { Task, Task__Output } from "../generated/recflow/v1/Task.js";
import { isTerminal, kindOf, kindToken, makeEvent, toTimestamp, type StoredEvent } from "../api/task-model.js";
import { newTaskId, taskIdForRequest } from "../api/task-id.js";
import { FailedPreconditionError, NotFoundError, ValidationError } from "../errors.js";
import { AppendConflictError, enqueueTask, publishCancel, republishTask, type Broker, type EventFeed, type EventLog, type ModelAliases, type TaskQueue } from "../nats/index.js";
import type { Logger } from "../log.js";
import type { Authenticator } from "./auth.js";
import type { Metrics } from "../metrics.js";
import { unary } from "./resources-service.js";
import { validateSubmit, validateTaskId, type ValidationLimits } from "./validation.js";
import type { TenantQuotas } from "./quotas.js";
import { assertTaskAliasExists } from "./model-aliases-service.js";
import { traced } from "./rpc-tracing.js";
import type { Tracing } from "../tracing.js";
import { batchSubmitTasks } from "./batch-submit.js";
import { watchTasks } from "./watch-tasks.js";
import { serveWatch } from "./watch-stream.js";
import { readExistingTask, readTaskView } from "./task-view.js";
import { watchTask } from "./task-watch.js";

export interface TasksServiceDeps {
  broker: Broker;
  events: EventLog;
  feed: EventFeed;
  queue: TaskQueue;
  auth: Authenticator;
  quotas: TenantQuotas;
  /** Model aliases: a task naming one the tenant does not have is refused at submit. */
  aliases: ModelAliases;
  metrics: Metrics;
  limits: ValidationLimits;
  log: Logger;
  /** Aborted when the gateway shuts down: open watches end with UNAVAILABLE. */
  shutdown: AbortSignal;
  /** Undefined when tracing is off (no OTEL_EXPORTER_OTLP_*ENDPOINT). */
  tracing?: Tracing;
}

const MAX_CANCEL_ATTEMPTS = 8;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

export function tasksService(deps: TasksServiceDeps): TasksServiceHandlers {
  const { broker, events, feed, queue, auth, quotas, limits, log } = deps;

  const view = (tenant: string, taskId: string, known?: StoredEvent): Promise<Task__Output> => readTaskView(events, tenant, taskId, known);

  return {
    SubmitTask: unary(log, traced(deps.tracing, "recflow.v1.TasksService/SubmitTask", async (call, span) => {
      const tenant = auth.tenantOf(call.metadata);
      const { spec, requestId } = validateSubmit(call.request, limits);
      broker.assertConnected();
      const taskId = requestId ? taskIdForRequest(tenant, requestId) : newTaskId();
      span?.span.setAttribute("recflow.task_id", taskId);
      if (requestId) {
        // A retry of an accepted submit is answered whatever the limits: it adds no work.
        const existing = await events.last(tenant, taskId);
        if (existing) {
          // Still only Queued: the first submit may have lost its work message (enqueue.ts).
          if (existing.event === "queued") await republishTask(queue, existing, tenant);
          return view(tenant, taskId, existing);
        }
      }
      await assertTaskAliasExists(deps.aliases, tenant, spec);
      quotas.takeSubmit(tenant);
      await quotas.admitQueued(tenant);
      const now = Date.now();
      try {
        const { event, sequence } = await enqueueTask(queue, events, { taskId, tenant, requestId, spec, createTime: toTimestamp(now) }, now, span);
        deps.metrics.tasksSubmitted.inc({ kind: kindToken(kindOf(spec)) });
        return { id: taskId, requestId, spec, status: event.status, result: null, error: null, lastSequence: sequence } satisfies Task;
      } catch (err) {
        // A worker (or a concurrent submit of the same request_id) wrote the first event.
        if (!(err instanceof AppendConflictError)) throw err;
        return await readExistingTask(events, tenant, taskId);
      }
    })),

    BatchSubmitTasks: unary(log, traced(deps.tracing, "recflow.v1.TasksService/BatchSubmitTasks", batchSubmitTasks(deps))),

    WatchTasks: watchTasks(deps),

    GetTask: unary(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const taskId = validateTaskId("task_id", call.request.taskId);
      return view(tenant, taskId);
    }),

    CancelTask: unary(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const taskId = validateTaskId("task_id", call.request.taskId);
      const reason = call.request.reason.slice(0, 512) || "cancelled by client";
      broker.assertConnected();
      for (let i = 0; i < MAX_CANCEL_ATTEMPTS; i++) {
        const last = await events.last(tenant, taskId);
        if (!last) throw new NotFoundError(`task ${taskId} not found`);
        const state = last.status?.state;
        if (isTerminal(state)) throw new FailedPreconditionError(`task ${taskId} already finished (${String(state).replace("TASK_STATE_", "")})`);
        const ev = makeEvent(taskId, last.status, { cancelled: { reason } }, last.status?.kind ?? "TASK_KIND_UNSPECIFIED");
        try {
          await events.append(tenant, taskId, ev, { expectedLastSeq: last.sequence, msgId: `${taskId}:cancel:${last.sequence}` });
        } catch (err) {
          if (err instanceof AppendConflictError) continue; // the task moved on; look again
          throw err;
        }
        publishCancel(broker, tenant, taskId);
        return view(tenant, taskId);
      }
      throw new AppendConflictError(`task ${taskId} kept changing while cancelling`);
    }),

    ListTasks: unary(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const { pageSize, pageToken, state, kind } = call.request;
      if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) throw ValidationError.field("page_size", `must be from 0 to ${MAX_PAGE_SIZE}`);
      let after = "";
      if (pageToken !== "") {
        after = Buffer.from(pageToken, "base64url").toString("utf8");
        if (!after.startsWith("after:")) throw ValidationError.field("page_token", "is not a token returned by ListTasks");
        after = after.slice("after:".length);
      }
      const size = pageSize || DEFAULT_PAGE_SIZE;
      const ids = (await events.taskIds(tenant)).filter((id) => id > after);
      const tasks: Task__Output[] = [];
      // Filters apply after paging by id, so a page may hold fewer than page_size tasks (AIP-158
      // allows it); we scan at most a bounded number of ids per call.
      const scanLimit = Math.min(ids.length, size * 10);
      let scanned = 0;
      for (; scanned < scanLimit && tasks.length < size; scanned++) {
        const id = ids[scanned];
        let t: Task__Output;
        try {
          t = await view(tenant, id);
        } catch (err) {
          if (err instanceof NotFoundError) continue; // expired between listing and reading
          throw err;
        }
        if (state !== "TASK_STATE_UNSPECIFIED" && t.status?.state !== state) continue;
        if (kind !== "TASK_KIND_UNSPECIFIED" && t.status?.kind !== kind) continue;
        tasks.push(t);
      }
      const more = scanned < ids.length;
      const nextPageToken = more ? Buffer.from(`after:${ids[scanned - 1]}`).toString("base64url") : "";
      return { tasks, nextPageToken };
    }),

    // watchTask answers NOT_FOUND itself (it reads the task's latest event anyway).
    WatchTask: (call) => serveWatch(call, deps, (req) => {
      const taskId = validateTaskId("task_id", req.taskId);
      return (tenant, after, signal) => watchTask({ feed, events, log }, tenant, taskId, after, signal);
    }),
  };
}
