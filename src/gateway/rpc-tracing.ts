// A SERVER span around a unary gateway handler, child of the `traceparent` the client sent in its
// gRPC metadata. With tracing off the handler is returned as it is: no span, no metadata read.
import type * as grpc from "@grpc/grpc-js";
import { recordFailure, type TraceContext, type TracedSpan, type Tracing } from "../tracing.js";

/** The W3C trace context in a call's metadata (grpc-js lower-cases keys). */
export function traceContextOf(metadata: grpc.Metadata): TraceContext {
  const [traceparent] = metadata.get("traceparent");
  const [tracestate] = metadata.get("tracestate");
  return { traceparent: typeof traceparent === "string" ? traceparent : undefined, tracestate: typeof tracestate === "string" ? tracestate : undefined };
}

/** Wraps `fn` in a span named after the full method, e.g. "recflow.v1.TasksService/SubmitTask". */
export function traced<Req, Res>(
  tracing: Tracing | undefined, method: string, fn: (call: grpc.ServerUnaryCall<Req, Res>, span?: TracedSpan) => Promise<Res>,
): (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res> {
  if (!tracing) return (call) => fn(call);
  const [service, name] = method.split("/");
  return async (call) => {
    const span = tracing.serverSpan(method, traceContextOf(call.metadata), { "rpc.system": "grpc", "rpc.service": service, "rpc.method": name });
    try {
      return await fn(call, span);
    } catch (err) {
      recordFailure(span.span, err);
      throw err;
    } finally {
      span.span.end();
    }
  };
}
