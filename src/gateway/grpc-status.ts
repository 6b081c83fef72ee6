// The one boundary mapping from thrown values to gRPC statuses (as grpc-js serverErrorToStatus).
// Clients get a clean message plus google.rpc details (BadRequest field violations, RetryInfo,
// ErrorInfo) in `grpc-status-details-bin`; unexpected errors are logged with their cause and
// reach the client only as "internal error".
import { Metadata, status as Code, type StatusObject } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { join } from "node:path";
import { PROTO_DIR } from "../api/protos.js";
import {
  CancelledError, ConflictError, DeadlineExceededError, FailedPreconditionError, NotFoundError, ResourceExhaustedError, UnauthenticatedError, UnavailableError, ValidationError,
} from "../errors.js";
import { AppendConflictError } from "../nats/index.js";
import type { Logger } from "../log.js";

const ERROR_DOMAIN = "recflow.dev";

let rpcRoot: protobuf.Root | undefined;
function rpcTypes(): { status: protobuf.Type; badRequest: protobuf.Type; retryInfo: protobuf.Type; errorInfo: protobuf.Type } {
  if (!rpcRoot) {
    rpcRoot = new protobuf.Root();
    rpcRoot.resolvePath = (_o, target) => (target.startsWith("google/protobuf/") ? target : join(PROTO_DIR, target.replace(/^.*proto\//, "")));
    rpcRoot.loadSync(["google/rpc/status.proto", "google/rpc/error_details.proto"]);
  }
  return {
    status: rpcRoot.lookupType("google.rpc.Status"),
    badRequest: rpcRoot.lookupType("google.rpc.BadRequest"),
    retryInfo: rpcRoot.lookupType("google.rpc.RetryInfo"),
    errorInfo: rpcRoot.lookupType("google.rpc.ErrorInfo"),
  };
}

function any(type: protobuf.Type, value: Record<string, unknown>): { type_url: string; value: Uint8Array } {
  return { type_url: `type.googleapis.com/${type.fullName.slice(1)}`, value: type.encode(type.fromObject(value)).finish() };
}

function withDetails(code: Code, message: string, details: { type_url: string; value: Uint8Array }[]): StatusObject {
  const metadata = new Metadata();
  if (details.length > 0) {
    const t = rpcTypes().status;
    metadata.set("grpc-status-details-bin", Buffer.from(t.encode(t.fromObject({ code, message, details })).finish()));
  }
  return { code, details: message, metadata };
}

/**
 * INVALID_ARGUMENT for a request body that is not valid protobuf for `method`. The BadRequest
 * names the empty field path: the whole body is at fault, not one of its fields.
 */
export function undecodableRequestStatus(method: string, reason: string): StatusObject {
  const message = `request body could not be decoded as the request message of ${method}: ${reason}`;
  return withDetails(Code.INVALID_ARGUMENT, message, [any(rpcTypes().badRequest, { fieldViolations: [{ field: "", description: `request body could not be decoded: ${reason}` }] })]);
}

/** A google.rpc.Status as a plain object (the shape of a BatchSubmitTaskResult's error). */
export interface RpcStatus {
  code: Code;
  message: string;
  details: { type_url: string; value: Uint8Array }[];
}

/** Turns anything thrown into a google.rpc.Status; unexpected errors are logged and hidden. */
export function toRpcStatus(err: unknown, log: Logger): RpcStatus {
  const t = rpcTypes();
  const status = (code: Code, message: string, details: RpcStatus["details"] = []): RpcStatus => ({ code, message, details });
  if (err instanceof ValidationError) {
    return status(Code.INVALID_ARGUMENT, err.message, [any(t.badRequest, { fieldViolations: err.violations })]);
  }
  if (err instanceof CancelledError) return status(Code.CANCELLED, err.message);
  if (err instanceof UnauthenticatedError) return status(Code.UNAUTHENTICATED, err.message);
  if (err instanceof NotFoundError) return status(Code.NOT_FOUND, err.message);
  if (err instanceof FailedPreconditionError) return status(Code.FAILED_PRECONDITION, err.message);
  if (err instanceof ConflictError) return status(Code.ABORTED, err.message);
  if (err instanceof DeadlineExceededError) return status(Code.DEADLINE_EXCEEDED, err.message);
  if (err instanceof ResourceExhaustedError) {
    const details = err.retryAfterMs === undefined ? [] : [any(t.retryInfo, { retryDelay: { seconds: Math.floor(err.retryAfterMs / 1000), nanos: (err.retryAfterMs % 1000) * 1e6 } })];
    return status(Code.RESOURCE_EXHAUSTED, err.message, details);
  }
  if (err instanceof UnavailableError) {
    log.warn({ err: err.cause ?? err }, "request failed: broker unavailable");
    return status(Code.UNAVAILABLE, err.message, [any(t.errorInfo, { reason: "BROKER_UNAVAILABLE", domain: ERROR_DOMAIN })]);
  }
  if (err instanceof AppendConflictError) {
    return status(Code.ABORTED, "the task changed concurrently; retry the call");
  }
  log.error({ err }, "request failed with an unexpected error");
  return status(Code.INTERNAL, "internal error");
}

/** Turns anything thrown in a handler into the status sent to the client. */
export function toGrpcStatus(err: unknown, log: Logger): StatusObject {
  const { code, message, details } = toRpcStatus(err, log);
  return withDetails(code, message, details);
}
