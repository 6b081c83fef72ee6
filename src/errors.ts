// The few error types recflow's own code throws. Retry behaviour is data: a PermanentTaskError
// fails a task at once (JetStream term), anything else thrown by task code is retried with back-off.
// The gateway maps each type to one gRPC status in gateway/grpc-status.ts.

/** One offending field of a request (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  field: string;
  description: string;
}

/** Bad input: nothing was stored. Maps to INVALID_ARGUMENT. */
export class ValidationError extends Error {
  override name = "ValidationError";
  readonly violations: FieldViolation[];
  constructor(violations: FieldViolation[], options?: { cause?: unknown }) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join("; "), options);
    this.violations = violations;
  }
  static field(field: string, description: string): ValidationError {
    return new ValidationError([{ field, description }]);
  }
}

/** Invalid configuration (env or flags): the process refuses to start. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** A task, dataset or model that does not exist (for this tenant). Maps to NOT_FOUND. */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** The client went away (cancelled its call); nothing was stored. Maps to CANCELLED. */
export class CancelledError extends Error {
  override name = "CancelledError";
}

/** No credentials, or wrong ones. Maps to UNAUTHENTICATED. */
export class UnauthenticatedError extends Error {
  override name = "UnauthenticatedError";
}

/** The operation does not apply in the current state (e.g. cancelling a finished task). */
export class FailedPreconditionError extends Error {
  override name = "FailedPreconditionError";
}

/** The resource changed since the caller read it (a compare-and-set lost); re-read and retry. Maps to ABORTED. */
export class ConflictError extends Error {
  override name = "ConflictError";
}

/** A limit was hit; the client may retry later. Maps to RESOURCE_EXHAUSTED. */
export class ResourceExhaustedError extends Error {
  override name = "ResourceExhaustedError";
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A client or operation took too long (e.g. an upload that went idle). Maps to DEADLINE_EXCEEDED. */
export class DeadlineExceededError extends Error {
  override name = "DeadlineExceededError";
}

/** NATS is unreachable or did not acknowledge in time; the client may retry. Maps to UNAVAILABLE. */
export class UnavailableError extends Error {
  override name = "UnavailableError";
  static from(err: unknown): UnavailableError {
    if (err instanceof UnavailableError) return err;
    const msg = err instanceof Error ? err.message : String(err);
    return new UnavailableError(`message broker unavailable: ${msg}`, { cause: err });
  }
}

/**
 * Task code failed in a way a retry cannot fix (bad parameters, missing dataset, corrupt model).
 * The runner fails the task at once instead of retrying. `code` is a google.rpc.Code value.
 */
export class PermanentTaskError extends Error {
  override name = "PermanentTaskError";
  readonly code: number;
  readonly reason: string;
  constructor(message: string, options: { code?: number; reason?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code ?? 9; // FAILED_PRECONDITION
    this.reason = options.reason ?? "PERMANENT_ERROR";
  }
}

/** Message of any thrown value, for logs and task errors. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
