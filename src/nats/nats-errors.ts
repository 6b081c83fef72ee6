// Classifies errors from nats.js by their codes, never by message text.
import { ErrorCode, NatsError } from "nats";
import { UnavailableError } from "../errors.js";

/** A JetStream API error with this err_code (see nats-server's errors.json). */
export function isApiError(err: unknown, errCode: number): boolean {
  return err instanceof NatsError && err.api_error?.err_code === errCode;
}

/** The requested message does not exist (direct get / get message). */
export function isNotFound(err: unknown): boolean {
  return err instanceof NatsError && (String(err.code) === "404" || err.api_error?.err_code === 10037);
}

/** Wrong Nats-Expected-Last-Subject-Sequence: someone appended first. */
export const WRONG_LAST_SEQUENCE = 10071;

/** The broker could not be reached or did not answer in time: worth retrying later. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof NatsError)) return false;
  const transient: string[] = [ErrorCode.Timeout, ErrorCode.NoResponders, ErrorCode.Disconnect, ErrorCode.ConnectionClosed, ErrorCode.ConnectionRefused, ErrorCode.ConnectionDraining, ErrorCode.JetStreamNotEnabled];
  return transient.includes(String(err.code)) || err.api_error?.code === 503;
}

/**
 * JetStream API error (nats-server errors.json JSClusterNoPeersErrF): no set of peers can hold the
 * replicas asked for. While a cluster forms (every pod started at once) the meta leader does not
 * know every peer yet, and a replicated stream or bucket created then gets this error for a while.
 */
export const NO_PEERS_FOR_PLACEMENT = 10005;

/**
 * A start-up call failed because the cluster is still settling: transient as above (also when
 * already wrapped as UnavailableError), or no peers for placement yet. Outside start-up the
 * placement error is a configuration problem (replicas > cluster size) and is not retried.
 */
export function isSettling(err: unknown): boolean {
  return isTransient(unwrapped(err)) || isNoPeersForPlacement(err);
}

/** No peers for placement (NO_PEERS_FOR_PLACEMENT), also when already wrapped as UnavailableError. */
export function isNoPeersForPlacement(err: unknown): boolean {
  return isApiError(unwrapped(err), NO_PEERS_FOR_PLACEMENT);
}

/** The broker error an UnavailableError wraps, or `err` itself. */
function unwrapped(err: unknown): unknown {
  return err instanceof UnavailableError && err.cause !== undefined ? err.cause : err;
}

/** Runs a broker call, turning a transient failure into UnavailableError (gRPC UNAVAILABLE). */
export async function unavailableOnTransient<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isTransient(err)) throw UnavailableError.from(err);
    throw err;
  }
}
