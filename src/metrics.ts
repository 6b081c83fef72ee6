// Prometheus metrics (prom-client) for gateway and worker, served over HTTP with /healthz and
// /readyz next to /metrics. One registry per process; the NATS-derived gauges (queue depth, ack
// pending) are collected at scrape time so they cost nothing between scrapes.
import { createServer, type Server } from "node:http";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import client from "prom-client";

export interface Metrics {
  registry: client.Registry;
  tasksSubmitted: client.Counter<"kind">;
  tasksStarted: client.Counter<"kind">;
  taskOutcomes: client.Counter<"kind" | "outcome">;
  taskDuration: client.Histogram<"kind" | "outcome">;
  tasksInFlight: client.Gauge;
  activeWatches: client.Gauge;
  natsReconnects: client.Counter;
  undecodableRequests: client.Counter<"method">;
  /** From the task's create time to its first attempt's delivery: the queue lag. */
  queueWait: client.Histogram<"kind">;
}

export function createMetrics(component: "gateway" | "worker", collectors: {
  queueDepth?: () => Promise<{ pending: number; ackPending: number; waitingPulls?: number }>;
  deadLetters?: () => Promise<number>;
  activeWatches?: () => number;
  inFlight?: () => number;
  watchCache?: () => { events: number; bytes: number };
} = {}): Metrics & { stop(): void } {
  const registry = new client.Registry();
  registry.setDefaultLabels({ component });
  client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  // Our own event-loop delay histogram, reported as quantiles: what bench W5 and the event-loop alert (deploy/observability) hold to a bound.
  const loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  new client.Gauge({
    name: "recflow_event_loop_delay_seconds", help: "Event-loop delay of the main thread since start, by quantile", labelNames: ["quantile"], registers: [registry],
    collect() {
      for (const q of [0.5, 0.99, 1]) this.set({ quantile: String(q) }, loop.percentile(q * 100) / 1e9);
    },
  });
  const queueDepth = collectors.queueDepth;
  if (queueDepth) {
    let last: { pending: number; ackPending: number; waitingPulls?: number } = { pending: 0, ackPending: 0, waitingPulls: 0 };
    const refresh = async (): Promise<void> => {
      last = await queueDepth().catch(() => last);
    };
    new client.Gauge({ name: "recflow_queue_pending_tasks", help: "Tasks waiting in RECFLOW_TASKS for a worker", registers: [registry], async collect() {
      await refresh();
      this.set(last.pending);
    } });
    new client.Gauge({ name: "recflow_queue_ack_pending_tasks", help: "Tasks delivered to workers and not yet acked", registers: [registry], collect() {
      this.set(last.ackPending);
    } });
    new client.Gauge({ name: "recflow_queue_waiting_pulls", help: "Pull requests from workers waiting on the workers consumer (0 for long: no worker is asking for tasks)", registers: [registry], collect() {
      this.set(last.waitingPulls ?? 0);
    } });
  }
  const deadLetters = collectors.deadLetters;
  if (deadLetters) {
    let lastCount = 0;
    new client.Gauge({ name: "recflow_dlq_tasks", help: "Dead letters stored in RECFLOW_DLQ (tasks that failed for good), all tenants", registers: [registry], async collect() {
      lastCount = await deadLetters().catch(() => lastCount);
      this.set(lastCount);
    } });
  }
  const watchCache = collectors.watchCache;
  if (watchCache) {
    new client.Gauge({ name: "recflow_gateway_watch_cache_events", help: "Recent task events the gateway keeps in memory to serve watches", registers: [registry], collect() {
      this.set(watchCache().events);
    } });
    new client.Gauge({ name: "recflow_gateway_watch_cache_bytes", help: "Encoded size of the recent task events the gateway keeps in memory", registers: [registry], collect() {
      this.set(watchCache().bytes);
    } });
  }
  const watches = collectors.activeWatches;
  const inFlight = collectors.inFlight;
  return {
    registry,
    tasksSubmitted: new client.Counter({ name: "recflow_tasks_submitted_total", help: "Tasks accepted by SubmitTask (idempotent repeats excluded)", labelNames: ["kind"], registers: [registry] }),
    tasksStarted: new client.Counter({ name: "recflow_tasks_started_total", help: "Task attempts that started running on this worker", labelNames: ["kind"], registers: [registry] }),
    taskOutcomes: new client.Counter({ name: "recflow_task_attempts_total", help: "Task attempts by outcome: succeeded, failed, retried, cancelled, fenced, handed_back", labelNames: ["kind", "outcome"], registers: [registry] }),
    taskDuration: new client.Histogram({
      name: "recflow_task_attempt_duration_seconds", help: "Wall time of a task attempt on a worker", labelNames: ["kind", "outcome"], registers: [registry],
      buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 60, 300, 1800],
    }),
    tasksInFlight: new client.Gauge({ name: "recflow_worker_tasks_in_flight", help: "Tasks this worker is running", registers: [registry], collect() {
      if (inFlight) this.set(inFlight());
    } }),
    activeWatches: new client.Gauge({ name: "recflow_gateway_active_watches", help: "Open WatchTask streams on this gateway", registers: [registry], collect() {
      if (watches) this.set(watches());
    } }),
    natsReconnects: new client.Counter({ name: "recflow_nats_reconnects_total", help: "Times the NATS connection came back after a disconnect", registers: [registry] }),
    // Labelled by the full method path; only registered methods get this far, so the label set is bounded.
    undecodableRequests: new client.Counter({ name: "recflow_gateway_undecodable_requests_total", help: "Request messages that were not valid protobuf, answered INVALID_ARGUMENT", labelNames: ["method"], registers: [registry] }),
    queueWait: new client.Histogram({
      name: "recflow_task_queue_wait_seconds", help: "Time from a task's submit to its first delivery to a worker", labelNames: ["kind"], registers: [registry],
      buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    }),
    stop: () => loop.disable(),
  };
}

/** Serves /metrics, /healthz (process alive) and /readyz (`ready()`: NATS up and not draining). */
export async function serveMetrics(address: string, registry: client.Registry, ready: () => boolean): Promise<{ server: Server; port: number }> {
  const [host, portText] = splitAddress(address);
  const server = createServer((req, res) => {
    if (req.url === "/metrics") {
      registry.metrics().then((body) => {
        res.writeHead(200, { "content-type": registry.contentType });
        res.end(body);
      }, (err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      });
    } else if (req.url === "/healthz") {
      res.writeHead(200).end("ok\n");
    } else if (req.url === "/readyz") {
      const ok = ready();
      res.writeHead(ok ? 200 : 503).end(ok ? "ready\n" : "not ready\n");
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(portText), host, () => resolve());
  });
  const addr = server.address();
  return { server, port: typeof addr === "object" && addr ? addr.port : Number(portText) };
}

function splitAddress(address: string): [string, string] {
  const i = address.lastIndexOf(":");
  return [address.slice(0, i).replace(/^\[|\]$/g, ""), address.slice(i + 1)];
}
