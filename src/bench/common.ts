// Shared pieces of the benches: results, percentiles, the machine description, and a real stack
// (nats-server + gateway + workers as processes on loopback, each with a metrics port).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, freemem, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { findNatsServer, LocalNatsServer } from "../cli/nats-server.js";
import { CLI_ENTRY, spawnRecflow, stopProc, type Proc } from "../cli/processes.js";

/** A gateway or worker; with RECFLOW_BENCH_CPU_PROF=<dir> under V8's --cpu-prof, profiles in <dir>. */
function spawnProfiled(name: string, role: "gateway" | "worker", env: NodeJS.ProcessEnv): Promise<Proc> {
  const prof = process.env.RECFLOW_BENCH_CPU_PROF;
  return prof
    ? spawnRecflow(name, [`--cpu-prof-dir=${prof}`, CLI_ENTRY, role], { env, entry: "--cpu-prof" })
    : spawnRecflow(name, [role], { env });
}

/** Heap cap of a gateway, as deploy/k8s/base/gateway-deployment.yaml sets it (1 GiB pod limit). */
export const GATEWAY_NODE_OPTIONS = "--max-old-space-size=384";

export interface Check {
  /** What the issue asks, in words (e.g. "≥ 30 % of baseline"). */
  target: string;
  measured: string;
  ok: boolean;
}

export interface WorkloadResult {
  name: string;
  title: string;
  config: Record<string, unknown>;
  metrics: Record<string, number>;
  checks: Check[];
  notes: string[];
}

export interface Workload {
  name: string;
  title: string;
  run(scale: number): Promise<WorkloadResult>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize(values: number[], prefix: string): Record<string, number> {
  const s = [...values].sort((a, b) => a - b);
  return {
    [`${prefix}_p50`]: percentile(s, 50),
    [`${prefix}_p90`]: percentile(s, 90),
    [`${prefix}_p99`]: percentile(s, 99),
    [`${prefix}_max`]: s.at(-1) ?? Number.NaN,
  };
}

export function machine(): Record<string, unknown> {
  let nats = "unknown";
  try {
    nats = execFileSync(findNatsServer(), ["--version"], { encoding: "utf8" }).trim();
  } catch {
    // reported as unknown
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
    node: process.version,
    natsServer: nats,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Peak and current resident memory of a process, from /proc (Linux). */
export function memoryOf(pid: number): { rssBytes: number; peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string): number => Number(/\s(\d+) kB/.exec(status.split("\n").find((l) => l.startsWith(key)) ?? "")?.[1] ?? Number.NaN) * 1024;
  return { rssBytes: kb("VmRSS:"), peakRssBytes: kb("VmHWM:") };
}

let clockTicks: number | undefined;
/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSecondsOf(pid: number): number {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  // Fields after the command name (which may hold spaces) start at "state", field 3.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

export interface BenchStackOptions {
  workers: number;
  threads: number;
  env?: Record<string, string>;
}

/** A throw-away stack: its own nats-server (temp store), a gateway and workers, all processes. */
export class BenchStack {
  readonly nats: LocalNatsServer;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  gateway!: Proc;
  readonly workers: Proc[] = [];

  private constructor(nats: LocalNatsServer, dir: string, env: NodeJS.ProcessEnv) {
    this.nats = nats;
    this.dir = dir;
    this.env = env;
  }

  static async start(opts: BenchStackOptions): Promise<BenchStack> {
    const dir = mkdtempSync(join(tmpdir(), "recflow-bench-"));
    const nats = await LocalNatsServer.start({ storeDir: dir });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NATS_URL: nats.url,
      RECFLOW_LOG_LEVEL: "warn",
      RECFLOW_THREADS: String(opts.threads),
      RECFLOW_METRICS_ADDRESS: "127.0.0.1:0",
      // The benches measure the pipeline, not the per-tenant limits (W6 alone opens 10,000 watches).
      RECFLOW_TENANT_MAX_WATCHES: "1000000",
      RECFLOW_TENANT_MAX_QUEUED_TASKS: "1000000",
      RECFLOW_TENANT_SUBMIT_RATE: "1000000",
      RECFLOW_TENANT_SUBMIT_BURST: "1000000",
      ...opts.env,
    };
    const stack = new BenchStack(nats, dir, env);
    try {
      // The gateway's heap is sized as in deploy/k8s (NODE_OPTIONS there): without a cap, V8 on a
      // 24 GB machine lets garbage pile up far past the live set before collecting.
      const gatewayEnv = { ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ""} ${GATEWAY_NODE_OPTIONS}`.trim(), RECFLOW_GRPC_ADDRESS: "127.0.0.1:0" };
      stack.gateway = await spawnProfiled("gateway", "gateway", gatewayEnv);
      for (let i = 0; i < opts.workers; i++) await stack.addWorker();
    } catch (err) {
      await stack.close();
      throw err;
    }
    return stack;
  }

  get address(): string {
    return `127.0.0.1:${Number(this.gateway.ready.port)}`;
  }

  async addWorker(): Promise<Proc> {
    const id = `bench-w${this.workers.length + 1}`;
    const w = await spawnProfiled(id, "worker", { ...this.env, RECFLOW_WORKER_ID: id });
    this.workers.push(w);
    return w;
  }

  /** CPU seconds used so far by each process of the stack. */
  cpuSeconds(): { gateway: number; workers: number; nats: number } {
    const of = (pid: number | undefined): number => (pid === undefined ? Number.NaN : cpuSecondsOf(pid));
    return {
      gateway: of(this.gateway.child.pid),
      workers: this.workers.reduce((a, w) => a + of(w.child.pid), 0),
      nats: of(this.nats.pid),
    };
  }

  /** One Prometheus sample value (first series matching name and optional label text). */
  static async scrape(proc: Proc, name: string, labels = ""): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${Number(proc.ready.metricsPort)}/metrics`);
    const text = await res.text();
    for (const line of text.split("\n")) {
      if (line.startsWith(name) && (line[name.length] === " " || line[name.length] === "{") && line.includes(labels)) return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    return Number.NaN;
  }

  async close(): Promise<void> {
    // A profiled process writes its profile only on a clean exit.
    const signal = process.env.RECFLOW_BENCH_CPU_PROF ? "SIGTERM" : "SIGKILL";
    await Promise.all(this.workers.map((w) => stopProc(w, signal)));
    if (this.gateway) await stopProc(this.gateway, signal);
    await this.nats.stop("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}
