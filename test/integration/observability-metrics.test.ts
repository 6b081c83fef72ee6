// Every metric the Grafana dashboard or an alert rule in deploy/observability names is served on
// a real gateway's or worker's /metrics: a renamed metric breaks this test, not a dashboard in
// production. Names are checked against the scrapes' `# TYPE` lines (a histogram's _bucket,
// _sum and _count belong to its base name), so a labelled series not yet observed still counts.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "../helpers/stack.js";

const DIR = resolve(import.meta.dirname, "../../deploy/observability");
const METRIC = /\b(?:recflow|nodejs)_[a-z0-9_]+\b/g;

function namedMetrics(): { dashboard: string[]; rules: string[] } {
  const dash = JSON.parse(readFileSync(resolve(DIR, "recflow-dashboard.json"), "utf8")) as { panels: { targets: { expr: string }[] }[] };
  const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr)).join("\n");
  const rules = readFileSync(resolve(DIR, "recflow-alerts.yaml"), "utf8").split("\n").filter((l) => !l.trim().startsWith("#")).join("\n");
  return { dashboard: [...new Set(exprs.match(METRIC))], rules: [...new Set(rules.match(METRIC))] };
}

/** Metric families in a scrape: name → type. */
async function families(port: unknown): Promise<Map<string, string>> {
  const body = await (await fetch(`http://127.0.0.1:${Number(port)}/metrics`)).text();
  return new Map([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

function served(name: string, all: Map<string, string>): boolean {
  if (all.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return base !== name && (all.get(base) === "histogram" || all.get(base) === "summary");
}

describe("metrics named by the dashboard and the alert rules", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, env: { RECFLOW_METRICS_ADDRESS: "127.0.0.1:0" } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("all exist on a real gateway's or worker's /metrics", async () => {
    const task = await stack.submit({ probe: { workMs: 1 } });
    await stack.watch(task.id);
    const gateway = await families(stack.gateway.ready.metricsPort);
    const worker = await families(stack.workers[0].ready.metricsPort);
    const all = new Map([...gateway, ...worker]);
    const { dashboard, rules } = namedMetrics();
    // The extraction itself works: it finds the metrics the panels and rules are about.
    expect(dashboard).toEqual(expect.arrayContaining(["recflow_queue_pending_tasks", "recflow_dlq_tasks", "recflow_task_queue_wait_seconds_bucket", "nodejs_eventloop_lag_p99_seconds"]));
    expect(rules).toEqual(expect.arrayContaining(["recflow_dlq_tasks", "recflow_task_attempts_total", "recflow_queue_waiting_pulls", "recflow_tasks_started_total"]));
    expect(dashboard.filter((n) => !served(n, all)), "dashboard metrics missing from /metrics").toEqual([]);
    expect(rules.filter((n) => !served(n, all)), "alert metrics missing from /metrics").toEqual([]);
    // And the new gauges report what they say: the gateway sees the DLQ, the worker pulls.
    expect(gateway.get("recflow_dlq_tasks")).toBe("gauge");
    expect(worker.get("recflow_task_queue_wait_seconds")).toBe("histogram");
  });
});
