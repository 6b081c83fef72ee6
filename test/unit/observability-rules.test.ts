// deploy/observability as code: the alert rules pass `promtool check rules` and their unit tests
// (`promtool test rules`, Debian's prometheus package, installed by scripts/setup.sh), every alert
// has a fixture that fires it and one that does not, and a broken rule fails those fixtures.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const DIR = resolve(import.meta.dirname, "../../deploy/observability");
const RULES = join(DIR, "recflow-alerts.yaml");
const FIXTURES = join(DIR, "recflow-alerts.test.yaml");

function promtool(args: string[], cwd = DIR): { status: number; output: string } {
  const r = spawnSync("promtool", args, { cwd, encoding: "utf8" });
  if (r.error) throw new Error(`promtool not found (${r.error.message}): install Debian's prometheus package (scripts/setup.sh does)`);
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

const alertNames = (): string[] => [...readFileSync(RULES, "utf8").matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]);

describe("Prometheus alert rules", () => {
  it("pass promtool check rules", () => {
    const r = promtool(["check", "rules", RULES]);
    expect(r.output).toContain(`SUCCESS: ${alertNames().length} rules found`);
    expect(r.status).toBe(0);
  });

  it("pass their promtool unit tests", () => {
    const r = promtool(["test", "rules", FIXTURES]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("have, for every alert, a fixture that fires it and one that does not", () => {
    const names = alertNames();
    expect(names.sort()).toEqual(["RecflowDeadLettersGrowing", "RecflowEventLoopLagHigh", "RecflowNoWorkersPulling", "RecflowQueueLagOverSLO", "RecflowTaskFailureRatioHigh"]);
    const checks = [...readFileSync(FIXTURES, "utf8").matchAll(/alertname: (\w+)\n\s+exp_alerts:( \[\])?/g)].map((m) => ({ name: m[1], fires: m[2] === undefined }));
    for (const name of names) {
      expect(checks.filter((c) => c.name === name && c.fires), `${name} fires somewhere`).not.toHaveLength(0);
      expect(checks.filter((c) => c.name === name && !c.fires), `${name} stays quiet somewhere`).not.toHaveLength(0);
    }
  });

  it("fail their fixtures when a rule is broken (the fixtures can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "recflow-rules-"));
    try {
      copyFileSync(FIXTURES, join(dir, "recflow-alerts.test.yaml"));
      // A failure-ratio threshold of 50% no longer fires on the 10% fixture.
      writeFileSync(join(dir, "recflow-alerts.yaml"), readFileSync(RULES, "utf8").replace("> 0.05", "> 0.5"));
      const r = promtool(["test", "rules", "recflow-alerts.test.yaml"], dir);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain("RecflowTaskFailureRatioHigh");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the Grafana dashboard is JSON whose panels all query Prometheus", () => {
    const dash = JSON.parse(readFileSync(join(DIR, "recflow-dashboard.json"), "utf8")) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
    expect(dash.uid).toBe("recflow-overview");
    const titles = dash.panels.map((p) => p.title).join("\n");
    for (const want of ["Queue depth", "Queue lag", "Task rate by outcome", "Attempt latency", "Dead-letter queue", "watch cache", "Event-loop lag per process"]) expect(titles).toContain(want);
    for (const p of dash.panels) expect(p.targets.length, p.title).toBeGreaterThan(0);
    // promtool parses PromQL too: every panel query is a valid expression.
    const dir = mkdtempSync(join(tmpdir(), "recflow-dash-"));
    try {
      const rules = dash.panels.flatMap((p, i) => p.targets.map((t, j) => `      - record: recflow:panel_${i}_${j}\n        expr: ${JSON.stringify(t.expr)}`));
      writeFileSync(join(dir, "panels.yaml"), `groups:\n  - name: panels\n    rules:\n${rules.join("\n")}\n`);
      const r = promtool(["check", "rules", "panels.yaml"], dir);
      expect(r.output).toContain("SUCCESS");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

