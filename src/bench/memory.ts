// W12 memory: a worker's peak memory for a dataset, measured against the sizing formulas of
// docs/operations.md §4. For each size a CSV is written to a temp file (the upload's shape:
// `u<n>,i<n>,<w>[,<ts>]`, users uniform, items skewed), then two fresh processes
// (src/bench/memory-child.ts) run the phases a worker runs on a dataset's first use — compile,
// then a TrainModel — and report their peak RSS (VmHWM). A phase's memory is its peak minus the
// bare process's RSS before it started.
import { execFile } from "node:child_process";
import { mkdtempSync, openSync, closeSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../engine/random.js";
import type { Check, Workload, WorkloadResult } from "./common.js";
import type { PhaseReport } from "./memory-child.js";

const CHILD = fileURLToPath(new URL("./memory-child.js", import.meta.url));
const MB = 1024 * 1024;
const FACTORS = 64;
/** A formula within this share of the measured peak is good enough to size a pod by. */
const TOLERANCE = 0.25;

/** One dataset size: rows, with users and items scaled like 100,000 × 30,000 at 10M rows. */
interface Size {
  label: string;
  rows: number;
  timestamps: boolean;
  /** Threads of the training (RECFLOW_TRAIN_THREADS). */
  trainThreads: number;
}

/** The dataset's shape, as the compile counted it: R rows, N distinct pairs, U users, I items, T = 1 with timestamps. */
export interface Shape { R: number; N: number; U: number; I: number; T: number }

/** docs/operations.md §4: the compile's peak above the bare process (fitted on this bench, 1M-20M rows). */
export const compileFormula = (s: Shape): number => 70e6 + (42 + 14 * s.T) * s.R + 100 * (s.U + s.I);
/** docs/operations.md §4: the compiled form, as cached. */
export const compiledFormula = (s: Shape): number => (8 + 8 * s.T) * s.N + 4 * s.U + 20 * (s.U + s.I);
/**
 * docs/operations.md §4: a TrainModel's peak above the bare process, the compiled form included;
 * a team of training threads adds its shared copies of both CSR orders and a helper isolate.
 */
export const trainFormula = (s: Shape, threads = 1, f = FACTORS): number =>
  compiledFormula(s) + 50e6 + (41 + 14 * s.T + (threads > 1 ? 22 : 0)) * s.N + 8 * f * (s.U + s.I);

/** `rows` CSV rows to `path`, written in ~1 MiB pieces (never held whole). */
function writeCsv(path: string, rows: number, users: number, items: number, timestamps: boolean, seed: number): void {
  const next = mulberry32(seed);
  const fd = openSync(path, "w");
  try {
    let buf = timestamps ? "user,item,weight,timestamp\n" : "user,item,weight\n";
    for (let r = 0; r < rows; r++) {
      buf += `u${Math.floor(next() * users)},i${Math.floor(next() ** 2 * items)},${1 + Math.floor(next() * 5)}`;
      buf += timestamps ? `,${1_700_000_000 + Math.floor(next() * 90 * 86_400)}\n` : "\n";
      if (buf.length >= MB) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
}

function runChild(args: string[]): Promise<PhaseReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHILD, ...args], { maxBuffer: 16 * MB, timeout: 60 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`memory child ${args[0]} failed: ${err.message}\n${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as PhaseReport);
    });
  });
}

const peakOf = (r: PhaseReport): number => Math.max(...r.steps.map((s) => s.peakRssBytes));
const mb = (bytes: number): string => `${(bytes / MB).toFixed(0)} MB`;

interface SizeResult {
  size: Size;
  shape: Shape;
  csvBytes: number;
  compile?: PhaseReport;
  train: PhaseReport;
  compileMeasured?: number;
  trainMeasured: number;
}

function sizes(scale: number): Size[] {
  const r = (m: number): number => Math.max(10_000, Math.round(m * 1e6 * scale));
  const size = (m: number, timestamps = false, trainThreads = 1): Size => ({
    label: `${+(r(m) / 1e6).toFixed(2)}M${timestamps ? " with timestamps" : ""}${trainThreads > 1 ? `, ${trainThreads} training threads` : ""}`,
    rows: r(m), timestamps, trainThreads,
  });
  return [size(1), size(5), size(10), size(10, true), size(10, false, 2), size(20)];
}

export const memory: Workload = {
  name: "memory",
  title: "W12 memory: a worker's peak RSS to compile a dataset and train ALS on it (64 factors, 2 iterations), 1M-20M rows, against docs/operations.md's formulas",
  async run(scale): Promise<WorkloadResult> {
    const dir = mkdtempSync(join(tmpdir(), "recflow-memory-"));
    const results: SizeResult[] = [];
    const compiledOf = new Map<string, { path: string; compile: PhaseReport; csvBytes: number }>();
    try {
      for (const size of sizes(scale)) {
        const users = Math.max(100, Math.round((100_000 * size.rows) / 10_000_000));
        const items = Math.max(100, Math.round((30_000 * size.rows) / 10_000_000));
        const key = `${size.rows}:${size.timestamps}`;
        let compiled = compiledOf.get(key);
        let fresh = false;
        if (!compiled) {
          const csv = join(dir, `${key.replace(":", "-")}.csv`);
          writeCsv(csv, size.rows, users, items, size.timestamps, 7);
          const csvBytes = statSync(csv).size;
          const path = join(dir, `${key.replace(":", "-")}.rfds`);
          const compile = await runChild(["compile", csv, path]);
          rmSync(csv);
          compiled = { path, compile, csvBytes };
          compiledOf.set(key, compiled);
          fresh = true;
        }
        const train = await runChild(["train", compiled.path, String(size.trainThreads)]);
        const st = train.stats!;
        const shape: Shape = { R: st.rows, N: st.interactions, U: st.users, I: st.items, T: st.hasTimestamps ? 1 : 0 };
        const result: SizeResult = {
          size, shape, csvBytes: compiled.csvBytes, train, trainMeasured: peakOf(train) - train.bareRssBytes,
          ...(fresh ? { compile: compiled.compile, compileMeasured: peakOf(compiled.compile) - compiled.compile.bareRssBytes } : {}),
        };
        results.push(result);
        console.log(`  ${size.label}: R ${shape.R}, N ${shape.N}, U ${shape.U}, I ${shape.I}; compile ${result.compileMeasured === undefined ? "(shared)" : mb(result.compileMeasured)}, train ${mb(result.trainMeasured)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return report(this, results);
  },
};

function report(w: Workload, results: SizeResult[]): WorkloadResult {
  const metrics: Record<string, number> = {};
  const checks: Check[] = [];
  const notes: string[] = [];
  const ratioCheck = (what: string, formula: number, measured: number): void => {
    const ratio = formula / measured;
    checks.push({ target: `${what}: formula within ±${TOLERANCE * 100} % of measured`, measured: `${mb(formula)} vs ${mb(measured)} measured (${ratio.toFixed(2)}×)`, ok: Math.abs(ratio - 1) <= TOLERANCE });
  };
  for (const r of results) {
    const k = r.size.label.replace(/[^0-9A-Za-z]+/g, "_").replace(/_$/, "");
    const s = r.shape;
    Object.assign(metrics, {
      [`${k}_rows`]: s.R, [`${k}_pairs`]: s.N, [`${k}_users`]: s.U, [`${k}_items`]: s.I,
      [`${k}_train_bare_mb`]: r.train.bareRssBytes / MB, [`${k}_train_peak_mb`]: peakOf(r.train) / MB, [`${k}_train_measured_mb`]: r.trainMeasured / MB,
      [`${k}_train_formula_mb`]: trainFormula(s, r.size.trainThreads) / MB, [`${k}_train_s`]: r.train.steps.at(-1)!.seconds,
    });
    ratioCheck(`${r.size.label} TrainModel`, trainFormula(s, r.size.trainThreads), r.trainMeasured);
    if (r.compile && r.compileMeasured !== undefined) {
      Object.assign(metrics, {
        [`${k}_csv_mb`]: r.csvBytes / MB, [`${k}_compiled_mb`]: r.compile.compiledBytes! / MB, [`${k}_compiled_formula_mb`]: compiledFormula(s) / MB,
        [`${k}_compile_bare_mb`]: r.compile.bareRssBytes / MB, [`${k}_compile_peak_mb`]: peakOf(r.compile) / MB,
        [`${k}_compile_measured_mb`]: r.compileMeasured / MB, [`${k}_compile_formula_mb`]: compileFormula(s) / MB, [`${k}_compile_s`]: r.compile.steps.at(-1)!.seconds,
      });
      ratioCheck(`${r.size.label} compile`, compileFormula(s), r.compileMeasured);
    }
    notes.push(`${r.size.label}: ${[...(r.compile?.steps ?? []), ...r.train.steps].map((x) => `${x.step} ${mb(x.peakRssBytes)} @${x.seconds.toFixed(0)} s`).join("; ")}`);
  }
  notes.push("measured = VmHWM − the bare process's RSS (Node and the modules, before the phase's work); each phase in a fresh process; the Object Store reads and writes around it are not included");
  return {
    name: w.name, title: w.title, config: { factors: FACTORS, iterations: 2, evaluate: true, blend: "auto", sizes: results.map((r) => r.size) },
    metrics, checks, notes,
  };
}
