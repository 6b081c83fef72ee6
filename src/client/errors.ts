// The few errors RecflowClient throws, each named for what the caller does next, each with a
// one-line message that says what to fix. Every error carries the gRPC `code` it stands for, so
// code that only looks at `err.code` (as grpc-js errors have it) keeps working.
import { Metadata, status as Code, type ServiceError } from "@grpc/grpc-js";
import type { TaskError__Output } from "../generated/recflow/v1/TaskError.js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";

const CODE_NAMES = Object.fromEntries(Object.entries(Code).filter(([, v]) => typeof v === "number").map(([k, v]) => [v, k])) as Record<number, string>;

/** The name of a gRPC status code, e.g. `NOT_FOUND`. */
export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `CODE_${code}`;
}

/** Whether `err` is a gRPC status error as grpc-js throws it (code, details, metadata). */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "details" in err;
}

/** The signal's reason as an Error (AbortSignal.abort() and .timeout() give DOMExceptions, which are). */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException(String(r), "AbortError");
}

const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();

/** A call the gateway (or the channel) refused; `code` is the gRPC status. */
export class RecflowError extends Error {
  override name = "RecflowError";
  readonly code: Code;
  /** The server's (or grpc-js's) message, on one line. */
  readonly details: string;
  /** The status's trailers: google.rpc details (BadRequest naming the field, RetryInfo) are in grpc-status-details-bin. */
  readonly metadata: Metadata;

  constructor(message: string, opts: { code: Code; details?: string; metadata?: Metadata; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.code = opts.code;
    this.details = opts.details ?? message;
    this.metadata = opts.metadata ?? new Metadata();
  }

  /**
   * The typed error for anything a call threw: a recflow error passes through, a gRPC status
   * becomes the subclass that says what to fix (`target` is the address, for the message).
   */
  static from(err: unknown, target: string): Error {
    if (err instanceof RecflowError || err instanceof TaskFailedError || err instanceof TaskCancelledError) return err;
    if (!isServiceError(err)) return err instanceof Error ? err : new Error(String(err));
    const details = oneLine(err.details ?? "");
    const opts = { code: err.code, details, metadata: err.metadata, cause: err };
    switch (err.code) {
      case Code.UNAVAILABLE:
        // grpc-js reports a failed TLS handshake only as UNAVAILABLE with the TLS library's text
        // (e.g. "self-signed certificate", "unable to verify the first certificate", "wrong
        // version number"), so the text is all there is to tell it from a refused connection.
        if (/certificate|SSL|TLS|handshake|wrong version number|ERR_SSL/i.test(details)) {
          return new TlsHandshakeError(`recflow: TLS with ${target} failed (${details}): pass the CA that signed the gateway's certificate (tls.caFile / RECFLOW_TLS_CA_FILE), or drop TLS for a plaintext gateway`, opts);
        }
        return new GatewayUnavailableError(`recflow: nothing answers at ${target} (${details}): start the gateway (recflow dev / recflow gateway) or fix the address`, opts);
      case Code.UNAUTHENTICATED:
        return new AuthenticationError(`recflow: the gateway at ${target} refused the token (${details}): pass a token from its RECFLOW_TENANTS_FILE (token / RECFLOW_TOKEN)`, opts);
      case Code.PERMISSION_DENIED:
        return new AuthenticationError(`recflow: the token's tenant may not do this (${details})`, opts);
      default:
        return new RecflowError(`recflow: ${codeName(err.code)}: ${details}`, opts);
    }
  }
}

/** No gateway answered (down, restarting, wrong address): start it, fix the address, or retry later. */
export class GatewayUnavailableError extends RecflowError {
  override name = "GatewayUnavailableError";
}

/** The TLS handshake failed: fix the CA (or TLS on/off); retrying does not help. */
export class TlsHandshakeError extends RecflowError {
  override name = "TlsHandshakeError";
}

/** The gateway refused the token (UNAUTHENTICATED) or its tenant (PERMISSION_DENIED): fix the token. */
export class AuthenticationError extends RecflowError {
  override name = "AuthenticationError";
}

/** The task ended FAILED; `error` is its TaskError (code, reason, message, attempt). */
export class TaskFailedError extends Error {
  override name = "TaskFailedError";
  readonly taskId: string;
  /** The google.rpc.Code of the task's failure (not a gRPC call status). */
  readonly code: number;
  readonly reason: string;
  readonly error: TaskError__Output;
  readonly event: TaskEvent__Output;

  constructor(event: TaskEvent__Output) {
    const error = event.failed?.error ?? { code: Code.UNKNOWN, reason: "", message: "", retryable: false, attempt: 0 };
    super(`recflow: task ${event.taskId} FAILED: ${error.reason || codeName(error.code)}: ${oneLine(error.message)}`);
    this.taskId = event.taskId;
    this.code = error.code;
    this.reason = error.reason;
    this.error = error;
    this.event = event;
  }
}

/** The task ended CANCELLED (CancelTask or an operator); `reason` says by whom or why. */
export class TaskCancelledError extends Error {
  override name = "TaskCancelledError";
  readonly taskId: string;
  readonly code = Code.CANCELLED;
  readonly reason: string;
  readonly event: TaskEvent__Output;

  constructor(event: TaskEvent__Output) {
    const reason = event.cancelled?.reason ?? "";
    super(`recflow: task ${event.taskId} CANCELLED${reason ? `: ${reason}` : ""}`);
    this.taskId = event.taskId;
    this.reason = reason;
    this.event = event;
  }
}
