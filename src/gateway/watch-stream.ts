// Serving a stream of task events to one gRPC watch (WatchTask and WatchTasks): the caller's
// tenant, the request's after_sequence, one slot of the tenant's watch limit, grpc-js
// back-pressure (write() false → wait for 'drain' before pulling the next event), and the ends:
// a client cancel stops it quietly, a gateway shutdown ends it UNAVAILABLE (resume with
// after_sequence), anything thrown becomes a status through toGrpcStatus.
//
// An event from the gateway's feed (FeedEvent) goes out as its wire bytes: the watch methods'
// serializer (passEncodedEvents) lets bytes through untouched and serializes an object as before,
// so an event sent to many watchers is neither decoded nor re-encoded once per watcher.
import type * as grpc from "@grpc/grpc-js";
import type { TaskEvent } from "../generated/recflow/v1/TaskEvent.js";
import { UnavailableError, ValidationError } from "../errors.js";
import { FeedEvent } from "../nats/index.js";
import type { Logger } from "../log.js";
import type { Authenticator } from "./auth.js";
import { toGrpcStatus } from "./grpc-status.js";
import type { TenantQuotas } from "./quotas.js";

export interface WatchStreamDeps {
  auth: Authenticator;
  quotas: TenantQuotas;
  log: Logger;
  /** Aborted when the gateway shuts down: the watch ends with UNAVAILABLE. */
  shutdown: AbortSignal;
}

/**
 * The events to send, given the tenant, the validated after_sequence and the watch's signal: each
 * a TaskEvent object, or a feed event already checked (FeedEvent.check), sent as its wire bytes.
 */
export type EventSource = (tenant: string, afterSequence: number, signal: AbortSignal) => AsyncIterable<TaskEvent | FeedEvent>;

/** The TasksService methods whose responses may be sent pre-encoded. */
const WATCH_METHODS = ["WatchTask", "WatchTasks"];

/**
 * `service` with WatchTask's and WatchTasks' response serializer wrapped: a Buffer or Uint8Array
 * (an encoded TaskEvent) is sent as it is, an object is serialized as before. The other methods,
 * and the definition given, are left as they are.
 */
export function passEncodedEvents(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const wrapped: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...service };
  for (const name of WATCH_METHODS) {
    const method = service[name] as grpc.MethodDefinition<unknown, unknown> | undefined;
    if (!method) throw new Error(`service has no ${name} method to pass encoded events through`);
    const serialize = method.responseSerialize;
    wrapped[name] = {
      ...method,
      responseSerialize: (value: unknown): Buffer => {
        if (!(value instanceof Uint8Array)) return serialize(value);
        // grpc-js copies the message into its frame with Buffer#copy.
        return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      },
    };
  }
  return wrapped;
}

/**
 * Serves `call`. `select` validates the rest of the request (throwing ValidationError naming the
 * field) and returns where the events come from; it runs before after_sequence is checked.
 */
export function serveWatch<Req extends { afterSequence: number | string | { toString(): string } }>(
  call: grpc.ServerWritableStream<Req, TaskEvent>, deps: WatchStreamDeps, select: (req: Req) => EventSource,
): void {
  const abort = new AbortController();
  // With a reason, abort() does not build a DOMException (grpc-js reports every stream's close as "cancelled").
  const onShutdown = (): void => abort.abort("shutdown");
  deps.shutdown.addEventListener("abort", onShutdown, { once: true });
  call.on("cancelled", () => abort.abort("cancelled"));
  let release = (): void => undefined;
  const run = async (): Promise<void> => {
    const tenant = deps.auth.tenantOf(call.metadata);
    const source = select(call.request);
    const after = Number(call.request.afterSequence);
    if (!Number.isSafeInteger(after) || after < 0) throw ValidationError.field("after_sequence", "must be a non-negative integer");
    release = deps.quotas.openWatch(tenant);
    // The method's serializer takes encoded events too (passEncodedEvents); its generated type does not say so.
    const write = call.write.bind(call) as (ev: TaskEvent | Buffer) => boolean;
    for await (const ev of source(tenant, after, abort.signal)) {
      if (!write(ev instanceof FeedEvent ? ev.wire : ev)) await waitForDrain(call, abort.signal);
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
      call.emit("error", toGrpcStatus(err, deps.log));
    })
    .finally(() => {
      release();
      deps.shutdown.removeEventListener("abort", onShutdown);
    });
}

/** Resolves on 'drain' or when `signal` aborts, whichever comes first. */
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
