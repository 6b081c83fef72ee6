// What one delivery of a task does, as pure functions of what happened and the task's limits:
// `admit` before the job runs (may it run at all?), `decide` after it ran (or was stopped). The
// runner performs the answer in one place (TaskRunner's #apply): the writes, then ack / nak / term.
// Keeping the rules here, free of I/O and clocks, lets every case be tested on its own
// (test/unit/attempt-decision.test.ts); docs/architecture.md, "Delivery rules", says why each exists.
import type { TaskError } from "../generated/recflow/v1/TaskError.js";

/** Why a running attempt was stopped from outside (the first of these wins). */
export type StopReason = "cancelled" | "deadline" | "shutdown";

/** How the job ended, as far as deciding goes (ThreadOutcome fits it). */
export type JobOutcome =
  | { ok: true }
  | { ok: false; permanent: boolean; code: number; reason: string; message: string };

/** The task's limits for this delivery. */
export interface AttemptLimits {
  /** 1-based delivery count: the attempt number. */
  attempt: number;
  /** Retries allowed after the first attempt. */
  maxRetries: number;
  /** Epoch ms; undefined without a deadline. */
  deadline: number | undefined;
  /** Epoch ms, the moment of deciding. */
  now: number;
}

export interface AttemptFacts extends AttemptLimits {
  outcome: JobOutcome;
  stopReason: StopReason | undefined;
  /** The back-off this attempt would wait before the next one (retry-policy.ts). */
  retryDelayMs: number;
}

/** Succeeded, then ack. */
export interface Succeed {
  kind: "succeed";
}
/** Failed, dead letter, then term. */
export interface Fail {
  kind: "fail";
  error: TaskError;
}
/** Retrying, then nak with `delayMs`. */
export interface Retry {
  kind: "retry";
  error: TaskError;
  delayMs: number;
  /** Epoch ms of the next attempt, for the Retrying event. */
  nextAttemptTime: number;
}
/** Nothing written; nak at once so another worker takes it (worker shutdown). */
export interface HandBack {
  kind: "hand-back";
}
/** Stopped by a cancel signal: re-read the log, expect Cancelled there (ack), else hand back. */
export interface ConfirmCancelled {
  kind: "confirm-cancelled";
}

export type Decision = Succeed | Fail | Retry | HandBack | ConfirmCancelled;

/** google.rpc.Code values the decisions use. */
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;

/**
 * Before running: a delivery already past its deadline, or beyond the allowed attempts (earlier
 * ones were lost: a worker crashed, ack_wait expired), fails without running. Undefined: run it.
 */
export function admit(limits: AttemptLimits): Fail | undefined {
  const { attempt, maxRetries, deadline, now } = limits;
  if (deadline !== undefined && now >= deadline) {
    return fail({ code: DEADLINE_EXCEEDED, reason: "DEADLINE_EXCEEDED", message: "deadline passed before the task could run", retryable: false, attempt });
  }
  if (attempt > maxRetries + 1) {
    return fail({
      code: UNAVAILABLE, reason: "RETRIES_EXHAUSTED", retryable: false, attempt,
      message: `attempt ${attempt} exceeds max_retries ${maxRetries}: earlier attempts were lost (worker crashed or timed out)`,
    });
  }
  return undefined;
}

/**
 * After the job: a stop from outside outranks the job's own outcome (a job that finished as its
 * deadline fired still failed it); an error is final when it is permanent, when it was the last
 * allowed attempt, or when the back-off would end past the deadline; otherwise it is retried.
 */
export function decide(facts: AttemptFacts): Decision {
  const { outcome, stopReason, attempt, maxRetries, deadline, now, retryDelayMs } = facts;
  switch (stopReason) {
    case "cancelled":
      return { kind: "confirm-cancelled" };
    case "shutdown":
      return { kind: "hand-back" };
    case "deadline":
      return fail({ code: DEADLINE_EXCEEDED, reason: "DEADLINE_EXCEEDED", message: "task deadline exceeded while running", retryable: false, attempt });
    case undefined:
      break;
  }
  if (outcome.ok) return { kind: "succeed" };
  const error: TaskError = { code: outcome.code, reason: outcome.reason, message: outcome.message, retryable: !outcome.permanent, attempt };
  if (outcome.permanent) return fail(error);
  if (attempt > maxRetries) {
    return fail({ ...error, reason: "RETRIES_EXHAUSTED", message: `${outcome.message} (attempt ${attempt} of ${maxRetries + 1})`, retryable: false });
  }
  if (deadline !== undefined && now + retryDelayMs >= deadline) {
    return fail({ code: DEADLINE_EXCEEDED, reason: "DEADLINE_EXCEEDED", message: `${outcome.message}; no time left for a retry before the deadline`, retryable: false, attempt });
  }
  return { kind: "retry", error, delayMs: retryDelayMs, nextAttemptTime: now + retryDelayMs };
}

/**
 * The stop reason an abort signal carries: the worker aborts with "cancelled" or "shutdown", the
 * deadline timer with "deadline". Anything else is a cancel (an abort without a reason).
 */
export function stopReasonOf(signal: AbortSignal): StopReason | undefined {
  if (!signal.aborted) return undefined;
  const r: unknown = signal.reason;
  return r === "shutdown" || r === "deadline" ? r : "cancelled";
}

function fail(error: TaskError): Fail {
  return { kind: "fail", error };
}
