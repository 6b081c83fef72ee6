import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, waitFor } from "../helpers/stack.js";
import { sample, scrape } from "../helpers/metrics.js";

/** Like sample(), but a missing series fails the test. */
function value(body: string, name: string, labels: Record<string, string> = {}): number {
  const v = sample(body, name, labels);
  if (v === undefined) throw new Error(`no sample of ${name}${JSON.stringify(labels)} in the scrape`);
  return v;
}

describe("Prometheus metrics and HTTP health", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 1, threads: 2, env: { RECFLOW_METRICS_ADDRESS: "127.0.0.1:0" } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("counts submitted tasks and attempt outcomes by kind and outcome", async () => {
    const ok = await Promise.all([1, 2, 3].map(() => stack.submit({ probe: { workMs: 20 } })));
    const flaky = await stack.submit({ probe: { workMs: 5, failAttempts: 1 } });
    const bad = await stack.submit({ probe: { permanentError: true } });
    let watched = 0;
    for (const t of [...ok, flaky, bad]) watched += (await stack.watch(t.id)).length;
    // A repeat of an idempotent submit is not a new task.
    const a = await stack.submit({ probe: {} }, "same-request");
    await stack.submit({ probe: {} }, "same-request");
    watched += (await stack.watch(a.id)).length;

    const gw = await scrape(stack.gateway.ready.metricsPort);
    expect(gw.status).toBe(200);
    expect(value(gw.body, "recflow_tasks_submitted_total", { kind: "probe" })).toBe(6);
    expect(value(gw.body, "recflow_gateway_active_watches")).toBeGreaterThanOrEqual(0);
    // Every event of the run went through the gateway's live feed into its watch cache.
    expect(value(gw.body, "recflow_gateway_watch_cache_events")).toBeGreaterThanOrEqual(watched);
    expect(value(gw.body, "recflow_gateway_watch_cache_bytes")).toBeGreaterThan(0);
    expect(value(gw.body, "recflow_event_loop_delay_seconds", { quantile: "0.99" })).toBeGreaterThanOrEqual(0);

    const workerPort = stack.workers[0].ready.metricsPort;
    const w = await waitFor(async () => {
      const m = await scrape(workerPort);
      return sample(m.body, "recflow_task_attempts_total", { kind: "probe", outcome: "succeeded" }) === 5 ? m : undefined;
    }, 5_000, "worker counters");
    expect(value(w.body, "recflow_task_attempts_total", { kind: "probe", outcome: "succeeded" })).toBe(5);
    // 3 ok + 2 attempts of the flaky one + 1 permanent failure + 1 idempotent task.
    expect(value(w.body, "recflow_tasks_started_total", { kind: "probe" })).toBe(7);
    expect(value(w.body, "recflow_task_attempts_total", { kind: "probe", outcome: "retried" })).toBe(1);
    expect(value(w.body, "recflow_task_attempts_total", { kind: "probe", outcome: "failed" })).toBe(1);
    expect(value(w.body, "recflow_task_attempt_duration_seconds_count", { kind: "probe", outcome: "succeeded" })).toBe(5);
    expect(value(w.body, "recflow_queue_pending_tasks")).toBe(0);
  });

  it("answers /healthz and /readyz on the metrics port", async () => {
    expect((await scrape(stack.gateway.ready.metricsPort, "/healthz")).status).toBe(200);
    expect((await scrape(stack.gateway.ready.metricsPort, "/readyz")).status).toBe(200);
    expect((await scrape(stack.workers[0].ready.metricsPort, "/readyz")).status).toBe(200);
  });
});
