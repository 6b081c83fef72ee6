// OpenTelemetry tracing for gateway and worker: a task's trace runs client → gateway (SubmitTask
// span) → the work message's W3C headers → one worker span per attempt. Configured only by the
// standard OTEL_* variables and off unless an OTLP endpoint is set: then no SDK starts, callers
// get `undefined` and skip every tracing call, so the submit path costs one `?.` per request.
// Export is OTLP/HTTP (JSON) in batches off the task path; spans a collector refuses or never
// receives are dropped and counted in recflow_trace_spans_dropped_total, never retried forever.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider,
  type ReadableSpan, type Sampler, type SpanExporter,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import client from "prom-client";
import type { Logger } from "./log.js";

/** The W3C trace context headers a request or a task message carries (https://www.w3.org/TR/trace-context/). */
export interface TraceContext {
  traceparent?: string;
  tracestate?: string;
}

/** A started span and what to send downstream so the next process's spans become its children. */
export interface TracedSpan {
  readonly span: Span;
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** This span as the parent of whatever receives these headers. */
  readonly outgoing: TraceContext;
}

export interface Tracing {
  /** A SERVER span for a gateway RPC, child of the caller's context when it sent a `traceparent`. */
  serverSpan(name: string, incoming: TraceContext, attributes?: Attributes): TracedSpan;
  /** A CONSUMER span for one attempt of a task, child of the context its work message carries. */
  consumerSpan(name: string, incoming: TraceContext | undefined, attributes?: Attributes): TracedSpan;
  /** A PRODUCER span for one task a call stores (an entry of a batch), child of the call's span. */
  producerSpan(name: string, parent: TracedSpan, attributes?: Attributes): TracedSpan;
  /** Exports what is buffered, waiting at most `timeoutMs`; spans still unsent are dropped. */
  shutdown(timeoutMs?: number): Promise<void>;
}

type Env = Record<string, string | undefined>;

/** Time one OTLP export may take before its spans count as dropped. */
const DEFAULT_EXPORT_TIMEOUT_MS = 10_000;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 2_000;

const propagator = new W3CTraceContextPropagator();
const carrierGetter = {
  get: (c: TraceContext, key: string): string | undefined => (key === "traceparent" ? c.traceparent : key === "tracestate" ? c.tracestate : undefined),
  keys: (): string[] => ["traceparent", "tracestate"],
};
const carrierSetter = {
  set: (c: TraceContext, key: string, value: string): void => {
    if (key === "traceparent" || key === "tracestate") c[key] = value;
  },
};

/** Tracing is on when an OTLP traces endpoint is configured and the SDK is not disabled. */
export function tracingEnabled(env: Env = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? "").toLowerCase() === "true") return false;
  if ((env.OTEL_TRACES_EXPORTER ?? "otlp").toLowerCase() === "none") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, as the SDK specification names them; parentbased_always_on by default. */
export function samplerFromEnv(env: Env = process.env): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER ?? "parentbased_always_on").toLowerCase();
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? "1");
  const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  switch (name) {
    case "always_on": return new AlwaysOnSampler();
    case "always_off": return new AlwaysOffSampler();
    case "traceidratio": return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_off": return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio": return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default: return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * Counts the spans of every export that did not succeed (collector down, refused, timed out).
 * The exporter gives up after its own bounded retries; the batch is then gone for good.
 */
class CountingExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #dropped: client.Counter<"reason">;
  readonly #log: Logger;
  #warned = false;

  constructor(inner: SpanExporter, dropped: client.Counter<"reason">, log: Logger) {
    this.#inner = inner;
    this.#dropped = dropped;
    this.#log = log;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        this.#dropped.inc({ reason: "export_failed" }, spans.length);
        // Once per outage, not once per batch: a collector down for an hour must not flood the log.
        if (!this.#warned) this.#log.warn({ err: result.error, spans: spans.length }, "trace export failed; spans dropped");
        this.#warned = true;
      } else {
        this.#warned = false;
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}

class OtelTracing implements Tracing {
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;

  constructor(provider: TracerProvider) {
    this.#provider = provider;
    this.#tracer = provider.getTracer("recflow");
  }

  #start(name: string, kind: SpanKind, incoming: TraceContext | undefined, attributes: Attributes | undefined): TracedSpan {
    const parent = incoming?.traceparent ? propagator.extract(ROOT_CONTEXT, incoming, carrierGetter) : ROOT_CONTEXT;
    const span = this.#tracer.startSpan(name, { kind, attributes }, parent);
    const outgoing: TraceContext = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), outgoing, carrierSetter);
    return { span, traceId: span.spanContext().traceId, outgoing };
  }

  serverSpan(name: string, incoming: TraceContext, attributes?: Attributes): TracedSpan {
    return this.#start(name, SpanKind.SERVER, incoming, attributes);
  }

  consumerSpan(name: string, incoming: TraceContext | undefined, attributes?: Attributes): TracedSpan {
    return this.#start(name, SpanKind.CONSUMER, incoming, attributes);
  }

  producerSpan(name: string, parent: TracedSpan, attributes?: Attributes): TracedSpan {
    return this.#start(name, SpanKind.PRODUCER, parent.outgoing, attributes);
  }

  async shutdown(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<void> {
    // A collector that does not answer must not hold a worker's shutdown past its grace time.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#provider.shutdown().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs).unref())),
    ]);
    clearTimeout(timer);
  }
}

/**
 * Registers recflow_trace_spans_dropped_total in `registry` (always, so dashboards and alerts can
 * name it) and starts an SDK when the OTEL_* variables ask for one; `undefined` when tracing is off.
 */
export function createTracing(component: "gateway" | "worker", registry: client.Registry, log: Logger, env: Env = process.env): Tracing | undefined {
  const dropped = new client.Counter({
    name: "recflow_trace_spans_dropped_total", help: "Trace spans that never reached the collector (export failed or timed out)", labelNames: ["reason"], registers: [registry],
  });
  if (!tracingEnabled(env)) return undefined;
  const exporter = new OTLPTraceExporter({ timeoutMillis: Number(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT ?? DEFAULT_EXPORT_TIMEOUT_MS) });
  // envDetector reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; without them, recflow-<component>.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: `recflow-${component}` }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new TracerProvider({
    resource,
    sampler: samplerFromEnv(env),
    spanProcessors: [new BatchSpanProcessor({
      exporter: new CountingExporter(exporter, dropped, log.child({ component: "tracing" })),
      // The SDK no longer reads OTEL_BSP_*; the defaults are the specification's.
      scheduledDelayMillis: Number(env.OTEL_BSP_SCHEDULE_DELAY ?? 5000),
      exportTimeoutMillis: Number(env.OTEL_BSP_EXPORT_TIMEOUT ?? 30_000),
      maxQueueSize: Number(env.OTEL_BSP_MAX_QUEUE_SIZE ?? 2048),
      maxExportBatchSize: Number(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ?? 512),
    })],
  });
  log.info({ component, endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT }, "tracing on: OTLP/HTTP export");
  return new OtelTracing(provider);
}

/** Ends `span` as failed with `err`'s message; the caller still owns `end()`. */
export function recordFailure(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

export { SpanStatusCode };
