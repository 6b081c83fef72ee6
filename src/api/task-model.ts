// The task state machine over events: which events exist, which states are terminal, and the
// status snapshot each event carries (so the last event alone answers GetTask).
import type { TaskEvent } from "../generated/recflow/v1/TaskEvent.js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { TaskStatus, TaskStatus__Output } from "../generated/recflow/v1/TaskStatus.js";
import type { TaskSpec, TaskSpec__Output } from "../generated/recflow/v1/TaskSpec.js";
import type { TaskState__Output } from "../generated/recflow/v1/TaskState.js";
import type { TaskKind__Output } from "../generated/recflow/v1/TaskKind.js";
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import type { TaskError } from "../generated/recflow/v1/TaskError.js";
import type { TaskResult } from "../generated/recflow/v1/TaskResult.js";
import type { PartialResult } from "../generated/recflow/v1/PartialResult.js";
import type { Timestamp, Timestamp__Output } from "../generated/google/protobuf/Timestamp.js";

export type TaskState = TaskState__Output;
export type TaskKind = TaskKind__Output;
export type StoredEvent = TaskEvent__Output;
export type Status = TaskStatus__Output;

const TERMINAL: ReadonlySet<TaskState> = new Set(["TASK_STATE_SUCCEEDED", "TASK_STATE_FAILED", "TASK_STATE_CANCELLED"]);

export function isTerminal(state: TaskState | undefined): boolean {
  return state !== undefined && TERMINAL.has(state);
}

export function isTerminalEvent(ev: StoredEvent): boolean {
  return ev.event === "succeeded" || ev.event === "failed" || ev.event === "cancelled";
}

const KIND_BY_MEMBER: Record<NonNullable<TaskSpec__Output["kind"]>, TaskKind> = {
  trainModel: "TASK_KIND_TRAIN_MODEL",
  recommend: "TASK_KIND_RECOMMEND",
  similarItems: "TASK_KIND_SIMILAR_ITEMS",
  evaluate: "TASK_KIND_EVALUATE",
  probe: "TASK_KIND_PROBE",
  tuneModel: "TASK_KIND_TUNE_MODEL",
};

/** The TaskKind of a spec; a spec without a kind member has none. */
export function kindOf(spec: Pick<TaskSpec, "kind"> | null | undefined): TaskKind {
  return spec?.kind ? KIND_BY_MEMBER[spec.kind] : "TASK_KIND_UNSPECIFIED";
}

/** Short lowercase name of a kind, for subjects, metrics and logs ("probe", "train_model"…). */
export function kindToken(kind: TaskKind): string {
  return kind.replace(/^TASK_KIND_/, "").toLowerCase();
}

export function toTimestamp(ms: number): Timestamp {
  return { seconds: Math.floor(ms / 1000), nanos: Math.round((ms % 1000) * 1e6) };
}

export function fromTimestamp(ts: Timestamp__Output | Timestamp | null | undefined): number | undefined {
  if (!ts) return undefined;
  const seconds = Number(ts.seconds ?? 0);
  const nanos = ts.nanos ?? 0;
  if (seconds === 0 && nanos === 0) return undefined;
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

/** What happened, without the snapshot; the snapshot is derived by appendable(). */
export type EventBody =
  | { queued: { spec: TaskSpec; requestId: string } }
  | { started: { attempt: number; workerId: string } }
  | { progress: { fraction: number; message: string; metrics?: Record<string, number> } }
  | { partialResult: PartialResult }
  | { retrying: { attempt: number; error: TaskError; nextAttemptTime: Timestamp } }
  | { succeeded: { result: TaskResult } }
  | { failed: { error: TaskError } }
  | { cancelled: { reason: string } };

/** The status after `body` happens to a task whose previous status was `prev`. */
export function nextStatus(prev: Status | null, body: EventBody, nowMs: number, kind: TaskKind): TaskStatus {
  const now = toTimestamp(nowMs);
  const base: TaskStatus = {
    state: prev?.state ?? "TASK_STATE_QUEUED",
    kind: prev?.kind && prev.kind !== "TASK_KIND_UNSPECIFIED" ? prev.kind : kind,
    attempt: prev?.attempt ?? 0,
    progress: prev?.progress ?? 0,
    message: prev?.message ?? "",
    createTime: prev?.createTime ?? now,
    startTime: prev?.startTime ?? null,
    updateTime: now,
    endTime: prev?.endTime ?? null,
    // Set on Queued by the gateway and carried by every later status, so a watcher sees it.
    traceId: prev?.traceId ?? "",
    workerId: prev?.workerId ?? "",
  };
  if ("queued" in body) return { ...base, state: "TASK_STATE_QUEUED", message: "queued" };
  if ("started" in body) {
    return { ...base, state: "TASK_STATE_RUNNING", attempt: body.started.attempt, progress: 0, message: "running", startTime: base.startTime ?? now, workerId: body.started.workerId };
  }
  if ("progress" in body) return { ...base, progress: body.progress.fraction, message: body.progress.message };
  if ("partialResult" in body) return base;
  if ("retrying" in body) return { ...base, state: "TASK_STATE_RETRYING", message: body.retrying.error.message ?? "retrying" };
  if ("succeeded" in body) return { ...base, state: "TASK_STATE_SUCCEEDED", progress: 1, message: "succeeded", endTime: now };
  if ("failed" in body) return { ...base, state: "TASK_STATE_FAILED", message: body.failed.error.message ?? "failed", endTime: now };
  return { ...base, state: "TASK_STATE_CANCELLED", message: body.cancelled.reason || "cancelled", endTime: now };
}

/** A complete event to append: body + snapshot + time. */
export function makeEvent(taskId: string, prev: Status | null, body: EventBody, kind: TaskKind, nowMs: number = Date.now()): TaskEvent {
  return { taskId, time: toTimestamp(nowMs), status: nextStatus(prev, body, nowMs, kind), ...body };
}

/** GetTask's view, from the first event (Queued, with the spec) and the last one. */
export function taskView(first: StoredEvent, last: StoredEvent): Task__Output {
  return {
    id: last.taskId,
    requestId: first.queued?.requestId ?? "",
    spec: first.queued?.spec ?? null,
    status: last.status,
    result: last.succeeded?.result ?? null,
    error: last.failed?.error ?? null,
    lastSequence: last.sequence,
  };
}

export type { TaskSpec, TaskSpec__Output };
