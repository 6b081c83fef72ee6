// OpenTelemetry across the queue: a real OTLP/HTTP (JSON) receiver in the test collects the spans
// of a client (this process), a gateway and a worker (separate processes from dist/), and a
// collector that refuses connections neither slows nor fails a task, its spans counted as dropped.
import { createServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../../src/api/client.js";
import type { Task__Output } from "../../src/generated/recflow/v1/Task.js";
import { Stack, waitFor } from "../helpers/stack.js";
import { metricValue } from "../helpers/metrics.js";

interface OtlpAttribute { key: string; value: { stringValue?: string; intValue?: string | number; doubleValue?: number } }
interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | undefined>;
  events: { name: string; attributes: Record<string, string | number | undefined> }[];
}

const attrs = (list: OtlpAttribute[] = []): Record<string, string | number | undefined> =>
  Object.fromEntries(list.map((a) => [a.key, a.value.stringValue ?? (a.value.intValue !== undefined ? Number(a.value.intValue) : a.value.doubleValue)]));

/** An OTLP/HTTP collector for JSON exports: POST /v1/traces bodies, flattened to spans. */
async function startReceiver(): Promise<{ url: string; spans: CollectedSpan[]; server: Server }> {
  const spans: CollectedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url !== "/v1/traces" || !String(req.headers["content-type"]).startsWith("application/json")) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: {
          traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[]; events?: { name: string; attributes?: OtlpAttribute[] }[];
        }[] }[] }[];
      };
      for (const rs of body.resourceSpans) {
        const service = String(attrs(rs.resource.attributes)["service.name"]);
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            spans.push({
              service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? "", name: s.name, kind: s.kind,
              attributes: attrs(s.attributes), events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
            });
          }
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`, spans, server };
}

/** A port nothing listens on: bound, then closed, so connections to it are refused. */
async function refusedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const addr = s.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// OTLP span kinds on the wire: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
const KIND_SERVER = 2;
const KIND_CLIENT = 3;
const KIND_PRODUCER = 4;
const KIND_CONSUMER = 5;

describe("tracing across client, gateway and worker", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let stack: Stack;
  beforeAll(async () => {
    receiver = await startReceiver();
    stack = await Stack.start({ workers: 1, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "100", RECFLOW_METRICS_ADDRESS: "127.0.0.1:0" } });
  });
  afterAll(async () => {
    await stack?.close();
    receiver?.server.close();
  });

  it("joins the client's span, the gateway's and one worker span per attempt into one trace", async () => {
    // The client: its own SDK exporting to the same collector, sending traceparent in metadata.
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": "test-client" }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }) })],
    });
    const clientSpan = provider.getTracer("test").startSpan("submit probe", { kind: SpanKind.CLIENT });
    const carrier: Record<string, string> = {};
    new W3CTraceContextPropagator().inject(trace.setSpan(ROOT_CONTEXT, clientSpan), carrier, { set: (c: Record<string, string>, k: string, v: string) => void (c[k] = v) });
    const metadata = new grpc.Metadata();
    metadata.set("traceparent", carrier.traceparent);
    const traceId = clientSpan.spanContext().traceId;

    // Two failed attempts, then a success: three attempts in all.
    const task = await call<object, Task__Output>(stack.client.SubmitTask.bind(stack.client), { task: { probe: { workMs: 5, failAttempts: 2, maxRetries: 3 } } }, { deadlineMs: 10_000, metadata });
    clientSpan.end();
    await provider.shutdown();
    expect(task.status?.traceId).toBe(traceId);

    const events = await stack.watch(task.id);
    expect(events.at(-1)?.event).toBe("succeeded");
    // Every event a watcher sees names the trace.
    expect(new Set(events.map((e) => e.status?.traceId))).toEqual(new Set([traceId]));

    const ofTrace = (): CollectedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);
    await waitFor(() => ofTrace().filter((s) => s.service === "recflow-worker").length >= 3 && ofTrace().some((s) => s.service === "recflow-gateway"), 20_000, "worker and gateway spans");
    const spans = ofTrace();
    const client = spans.find((s) => s.service === "test-client");
    const gateway = spans.filter((s) => s.service === "recflow-gateway");
    const attempts = spans.filter((s) => s.service === "recflow-worker").sort((a, b) => Number(a.attributes["recflow.attempt"]) - Number(b.attributes["recflow.attempt"]));
    expect(client?.kind).toBe(KIND_CLIENT);
    expect(gateway).toHaveLength(1);
    expect(gateway[0]).toMatchObject({ name: "recflow.v1.TasksService/SubmitTask", kind: KIND_SERVER, parentSpanId: client?.spanId });
    expect(gateway[0].attributes["recflow.task_id"]).toBe(task.id);
    // Each attempt is a child of the gateway's span: the work message carried its context.
    expect(attempts.map((a) => a.attributes["recflow.attempt"])).toEqual([1, 2, 3]);
    for (const a of attempts) expect(a).toMatchObject({ kind: KIND_CONSUMER, name: "probe attempt", parentSpanId: gateway[0].spanId });
    expect(attempts.map((a) => a.attributes["recflow.outcome"])).toEqual(["retried", "retried", "succeeded"]);
    const retry = attempts[0].events.find((e) => e.name === "task.retry");
    expect(retry?.attributes["recflow.attempt"]).toBe(1);
    expect(Number(retry?.attributes["recflow.retry_delay_ms"])).toBeGreaterThan(0);
    expect(attempts[2].events.map((e) => e.name)).toEqual(["task.outcome"]);
    expect(attempts[2].events[0].attributes["recflow.outcome"]).toBe("succeeded");
  });

  it("gives each task of a BatchSubmitTasks call its own span under the call's, and its attempt joins it", async () => {
    const results = await stack.rf.submitBatch([{ task: { probe: { workMs: 1 } } }, { task: { probe: { workMs: 1 } } }, { task: { probe: { workMs: 1 } } }]);
    const tasks = results.map((r) => r.task!);
    const traceId = tasks[0].status?.traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // One trace for the call: every task's events carry it.
    expect(tasks.map((t) => t.status?.traceId)).toEqual([traceId, traceId, traceId]);
    for (const t of tasks) await stack.watch(t.id);
    const ofTrace = (): CollectedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);
    await waitFor(() => ofTrace().filter((s) => s.service === "recflow-worker").length >= 3 && ofTrace().filter((s) => s.service === "recflow-gateway").length >= 4, 20_000, "batch, entry and attempt spans");
    const spans = ofTrace();
    const call = spans.find((s) => s.name === "recflow.v1.TasksService/BatchSubmitTasks");
    expect(call).toMatchObject({ kind: KIND_SERVER, parentSpanId: "" });
    const entries = spans.filter((s) => s.name === "recflow.v1.TasksService/BatchSubmitTasks entry");
    expect(entries.map((e) => e.attributes["recflow.task_id"]).sort()).toEqual(tasks.map((t) => t.id).sort());
    for (const e of entries) expect(e).toMatchObject({ kind: KIND_PRODUCER, parentSpanId: call?.spanId });
    // Each task's attempt is a child of its own entry's span.
    for (const a of spans.filter((s) => s.service === "recflow-worker")) {
      expect(entries.find((e) => e.spanId === a.parentSpanId)?.attributes["recflow.task_id"]).toBe(a.attributes["recflow.task_id"]);
    }
  });

  it("starts a trace at the gateway when the client sends no traceparent", async () => {
    const task = await stack.submit({ probe: { workMs: 1 } });
    expect(task.status?.traceId).toMatch(/^[0-9a-f]{32}$/);
    await stack.watch(task.id);
    const spans = await waitFor(() => {
      const s = receiver.spans.filter((x) => x.traceId === task.status?.traceId);
      return s.length >= 2 && s;
    }, 20_000, "gateway and worker spans");
    const gateway = spans.find((s) => s.service === "recflow-gateway");
    expect(gateway?.parentSpanId).toBe("");
    expect(spans.find((s) => s.service === "recflow-worker")?.parentSpanId).toBe(gateway?.spanId);
  });
});

describe("tracing with the collector down", () => {
  it("neither slows nor fails tasks, and counts the dropped spans", async () => {
    const endpoint = `http://127.0.0.1:${await refusedPort()}`;
    await using stack = await Stack.start({ workers: 1, threads: 2, env: {
      // The exporter retries a refused connection until its timeout; 1 s keeps the test short.
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: "1000", OTEL_BSP_SCHEDULE_DELAY: "100", RECFLOW_METRICS_ADDRESS: "127.0.0.1:0",
    } });
    const started = performance.now();
    const tasks = await Promise.all(Array.from({ length: 20 }, () => stack.submit({ probe: { workMs: 1 } })));
    const submitMs = performance.now() - started;
    const ends = await Promise.all(tasks.map((t) => stack.watch(t.id)));
    expect(ends.map((e) => e.at(-1)?.event)).toEqual(tasks.map(() => "succeeded"));
    // 20 submits on loopback take tens of ms; an exporter on the request path would wait for
    // connection attempts. The bound is loose for a shared 2-core machine.
    expect(submitMs).toBeLessThan(3_000);
    // Every span was lost and counted: 20 SubmitTask spans, at least 20 attempt spans.
    await waitFor(async () => ((await metricValue(stack.gateway.ready.metricsPort, "recflow_trace_spans_dropped_total", { reason: "export_failed" })) ?? 0) >= 20, 20_000, "gateway dropped spans counted");
    await waitFor(async () => ((await metricValue(stack.workers[0].ready.metricsPort, "recflow_trace_spans_dropped_total", { reason: "export_failed" })) ?? 0) >= 20, 20_000, "worker dropped spans counted");
  });
});
