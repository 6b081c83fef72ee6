// BatchSubmitTasks (AIP-233): many SubmitTasks in one call. Each entry is validated and admitted
// as SubmitTask would be, then every new task's Queued event and work message are published at
// once (pipelined over the connection's one inbox, see jetstream-requests.ts) and the acks are
// awaited together: a batch of N costs about one JetStream round trip, not N.
//
// all_or_nothing makes validation and admission atomic (nothing is stored unless every entry is
// valid, its alias exists and the whole batch fits the tenant's quotas). Storage itself cannot be
// atomic across tasks on JetStream: if a write fails midway, every task this call stored is closed
// as FAILED (BATCH_ABORTED), so no task of a failed all-or-nothing batch is left QUEUED or runs on.
//
// An entry is answered as SubmitTask would answer it alone: a request id already accepted returns
// its task before the alias is checked, a refusal by the submit rate or the queued-task limit says
// what SubmitTask's says, and each stored task gets a span (a child of the call's) whose trace its
// Queued event and work message carry, so its attempts join the trace as a single submit's do.
import { status as Code, type ServerUnaryCall } from "@grpc/grpc-js";
import type { BatchSubmitTasksRequest__Output } from "../generated/recflow/v1/BatchSubmitTasksRequest.js";
import type { BatchSubmitTasksResponse } from "../generated/recflow/v1/BatchSubmitTasksResponse.js";
import type { BatchSubmitTaskResult } from "../generated/recflow/v1/BatchSubmitTaskResult.js";
import type { Task } from "../generated/recflow/v1/Task.js";
import type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
import { isTerminal, kindOf, kindToken, makeEvent, toTimestamp } from "../api/task-model.js";
import { newTaskId, taskIdForRequest } from "../api/task-id.js";
import { errorMessage, ValidationError, type FieldViolation } from "../errors.js";
import { AppendConflictError, enqueueTask, publishCancel, republishTask } from "../nats/index.js";
import { recordFailure, type TracedSpan } from "../tracing.js";
import { toRpcStatus } from "./grpc-status.js";
import { validateSubmit } from "./validation.js";
import { assertTaskAliasExists } from "./model-aliases-service.js";
import { readExistingTask, readTaskView } from "./task-view.js";
import type { TasksServiceDeps } from "./tasks-service.js";

/** Entries per BatchSubmitTasks call (the request must also fit the gateway's request size). */
export const MAX_BATCH_ENTRIES = 1000;

/** One entry on its way through the batch. */
interface Entry {
  index: number;
  spec?: TaskSpec;
  requestId: string;
  taskId: string;
  result?: BatchSubmitTaskResult;
  /** Why the entry failed, as thrown (field paths already under `requests[i].`). */
  error?: unknown;
}

/** The violations of a failed check, with field paths under `requests[i].`. */
function prefixed(index: number, err: unknown): ValidationError | undefined {
  if (!(err instanceof ValidationError)) return undefined;
  return new ValidationError(err.violations.map((v) => ({ field: `requests[${index}].${v.field}`, description: v.description })));
}

export function batchSubmitTasks(deps: TasksServiceDeps): (call: ServerUnaryCall<BatchSubmitTasksRequest__Output, BatchSubmitTasksResponse>, span?: TracedSpan) => Promise<BatchSubmitTasksResponse> {
  const { broker, events, queue, auth, quotas, limits, log } = deps;

  /** all_or_nothing and a write failed: close every task this call stored (best effort each). */
  const abortStored = async (tenant: string, stored: Entry[], cause: unknown): Promise<void> => {
    await Promise.all(stored.map(async (e) => {
      for (let i = 0; i < 4; i++) {
        const last = await events.last(tenant, e.taskId).catch(() => null);
        if (!last || isTerminal(last.status?.state)) return;
        const failed = makeEvent(e.taskId, last.status, {
          failed: { error: { code: Code.ABORTED, reason: "BATCH_ABORTED", message: `another task of its all-or-nothing batch could not be stored: ${errorMessage(cause)}`, retryable: true, attempt: last.status?.attempt ?? 0 } },
        }, last.status?.kind ?? "TASK_KIND_UNSPECIFIED");
        try {
          await events.append(tenant, e.taskId, failed, { expectedLastSeq: last.sequence, msgId: `${e.taskId}:batch-aborted:${last.sequence}` });
          publishCancel(broker, tenant, e.taskId); // a worker that already started it stops
          return;
        } catch (err) {
          if (!(err instanceof AppendConflictError)) {
            log.warn({ err, taskId: e.taskId }, "could not close a task of an aborted batch");
            return;
          }
        }
      }
    }));
  };

  return async (call, span) => {
    const tenant = auth.tenantOf(call.metadata);
    const { requests, allOrNothing } = call.request;
    if (requests.length === 0) throw ValidationError.field("requests", "must hold at least one SubmitTaskRequest");
    if (requests.length > MAX_BATCH_ENTRIES) throw ValidationError.field("requests", `at most ${MAX_BATCH_ENTRIES} entries per call, got ${requests.length}`);
    broker.assertConnected();
    const fail = (e: Entry, err: unknown): void => {
      e.error = prefixed(e.index, err) ?? err;
      e.result = { error: toRpcStatus(e.error, log) };
    };

    // 1. Validate every entry (request ids must differ: two entries cannot be one task).
    const entries: Entry[] = requests.map((req, index) => ({ index, requestId: req.requestId, taskId: "" }));
    const firstOfRequestId = new Map<string, number>();
    for (const e of entries) {
      try {
        const { spec, requestId } = validateSubmit(requests[e.index], limits);
        if (requestId) {
          const seen = firstOfRequestId.get(requestId);
          if (seen !== undefined) throw ValidationError.field("request_id", `repeats requests[${seen}].request_id`);
          firstOfRequestId.set(requestId, e.index);
        }
        e.spec = spec;
        e.taskId = requestId ? taskIdForRequest(tenant, requestId) : newTaskId();
      } catch (err) {
        fail(e, err);
      }
    }
    /**
     * all_or_nothing: every bad field of every entry in one INVALID_ARGUMENT; any other failure
     * (e.g. the alias bucket unreachable) fails the call as it would a SubmitTask.
     */
    const refuseIfAnyFailed = (): void => {
      if (!allOrNothing) return;
      const failed = entries.filter((e) => e.error !== undefined);
      const other = failed.find((e) => !(e.error instanceof ValidationError));
      if (other) throw other.error;
      const violations: FieldViolation[] = failed.flatMap((e) => (e.error as ValidationError).violations);
      if (violations.length > 0) throw new ValidationError(violations);
    };
    refuseIfAnyFailed();

    // 2. Entries whose request id was already accepted answer with that task and add no work.
    await Promise.all(entries.filter((e) => e.spec && e.requestId).map(async (e) => {
      try {
        const existing = await events.last(tenant, e.taskId);
        if (!existing) return;
        if (existing.event === "queued") await republishTask(queue, existing, tenant);
        e.result = { task: await readTaskView(events, tenant, e.taskId, existing) };
      } catch (err) {
        if (allOrNothing) throw err;
        fail(e, err);
      }
    }));

    // The alias a new task names must exist (checked after the request ids, as SubmitTask does:
    // a retry of an accepted submit is answered even if its alias has gone since).
    await Promise.all(entries.filter((e) => e.spec && !e.result).map(async (e) => {
      try {
        await assertTaskAliasExists(deps.aliases, tenant, e.spec as TaskSpec);
      } catch (err) {
        e.spec = undefined;
        fail(e, err);
      }
    }));
    refuseIfAnyFailed();

    // 3. Admission: the submit rate and the queued-task limit count each new task.
    let fresh = entries.filter((e) => e.spec && !e.result);
    if (fresh.length > 0) {
      try {
        // Entries past what fits are refused as SubmitTask refuses one task: by the rate first.
        const rated = quotas.takeSubmits(tenant, fresh.length, !allOrNothing);
        if (rated < fresh.length) {
          const overRate = quotas.submitRefusal(tenant);
          for (const e of fresh.slice(rated)) fail(e, overRate);
        }
        const admitted = await quotas.admitQueuedMany(tenant, rated, !allOrNothing);
        if (admitted < rated) {
          const overQueued = quotas.queuedRefusal(tenant);
          for (const e of fresh.slice(admitted, rated)) fail(e, overQueued);
        }
        fresh = fresh.slice(0, admitted);
      } catch (err) {
        if (allOrNothing) throw err;
        for (const e of fresh) fail(e, err);
        fresh = [];
      }
    }

    // 4. Store: every Queued event and work message in flight at once, then the acks.
    const now = Date.now();
    const spans = fresh.map((e) => (span && deps.tracing
      ? deps.tracing.producerSpan("recflow.v1.TasksService/BatchSubmitTasks entry", span, { "recflow.task_id": e.taskId, "recflow.batch_index": e.index })
      : undefined));
    const outcomes = await Promise.allSettled(fresh.map((e, i) =>
      enqueueTask(queue, events, { taskId: e.taskId, tenant, requestId: e.requestId, spec: e.spec as TaskSpec, createTime: toTimestamp(now) }, now, spans[i])));
    outcomes.forEach((o, i) => {
      if (o.status === "rejected" && spans[i]) recordFailure(spans[i].span, o.reason);
      spans[i]?.span.end();
    });
    const stored: Entry[] = [];
    let firstFailure: unknown;
    await Promise.all(fresh.map(async (e, i) => {
      const o = outcomes[i];
      if (o.status === "fulfilled") {
        stored.push(e);
        deps.metrics.tasksSubmitted.inc({ kind: kindToken(kindOf(e.spec)) });
        e.result = { task: { id: e.taskId, requestId: e.requestId, spec: e.spec, status: o.value.event.status, result: null, error: null, lastSequence: o.value.sequence } satisfies Task };
        return;
      }
      // A worker (or a concurrent submit of the same request_id) wrote the first event.
      if (o.reason instanceof AppendConflictError) {
        try {
          e.result = { task: await readExistingTask(events, tenant, e.taskId) };
          return;
        } catch (err) {
          firstFailure ??= err;
          fail(e, err);
          return;
        }
      }
      // Queued may be stored without its work message: enqueueTask closed it as NOT_QUEUED
      // (no request id) or a retry with the same request id re-publishes it.
      firstFailure ??= o.reason;
      fail(e, o.reason);
    }));
    if (allOrNothing && firstFailure !== undefined) {
      await abortStored(tenant, stored, firstFailure);
      throw firstFailure instanceof Error ? firstFailure : new Error(errorMessage(firstFailure));
    }
    return { results: entries.map((e) => e.result!) };
  };
}
