// One phase of the memory bench (W12) in a process of its own, so its peak RSS (VmHWM) belongs to
// that phase alone and starts from a bare Node:
//   compile <csv> <out>: the worker's first use of an uploaded dataset — the raw text streamed in
//     Object Store-sized chunks through compileDataset (the compile thread), the result copied
//     into a SharedArrayBuffer as the artifact cache holds it, and written to <out>;
//   train <compiled> <threads> [iterations]: a TrainModel task on the compiled form — the blob in a
//     SharedArrayBuffer (the cache), decodeDataset, trainModel (ALS, 64 factors,
//     holdout evaluation and the popularity blend on, as the worker runs it), encodeModel.
//     (2 iterations by default: the peak is reached in the first.)
// Prints one JSON line: the bare process's RSS, then VmHWM after each step (bytes), and seconds.
import { createReadStream, readFileSync, writeFileSync } from "node:fs";
import { Readable } from "node:stream";
import { datasetStats, decodeDataset, encodeModel, trainModel, type DatasetStats } from "../engine/index.js";
import { AlsTeam } from "../worker/als-team.js";
import { compileDataset } from "../worker/dataset-compiler.js";
import { memoryOf } from "./common.js";

/** The Object Store's chunk size (nats.js default), which is how a worker reads the raw text. */
const OBJECT_STORE_CHUNK = 128 * 1024;

export interface PhaseReport {
  phase: "compile" | "train";
  /** VmRSS before the phase's work: Node and the loaded modules. */
  bareRssBytes: number;
  /** VmHWM after each step, in order (cumulative: each includes the steps before). */
  steps: { step: string; peakRssBytes: number; seconds: number }[];
  stats?: DatasetStats;
  compiledBytes?: number;
  modelBytes?: number;
}

function toShared(bytes: Uint8Array): Uint8Array {
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return shared;
}

async function compilePhase(csvPath: string, outPath: string, report: PhaseReport, mark: (step: string) => void): Promise<void> {
  const source = Readable.toWeb(createReadStream(csvPath, { highWaterMark: OBJECT_STORE_CHUNK })) as unknown as ReadableStream<Uint8Array>;
  const { compiled, stats } = await compileDataset(source, "memory-bench");
  mark("compile thread done");
  const cached = toShared(compiled);
  mark("copied into the artifact cache");
  writeFileSync(outPath, cached);
  report.stats = stats;
  report.compiledBytes = compiled.byteLength;
}

function trainPhase(compiledPath: string, threads: number, iterations: number, report: PhaseReport, mark: (step: string) => void): void {
  const cached = toShared(readFileSync(compiledPath));
  mark("compiled form in the artifact cache");
  const dataset = decodeDataset(cached);
  report.stats = datasetStats(dataset);
  mark("decoded");
  const team = threads > 1 ? new AlsTeam(threads) : undefined;
  try {
    // Each kind of progress message once (its numbers stripped): where in the training the peak grows.
    const seen = new Set<string>();
    const r = trainModel(dataset, {
      algorithm: "als", evaluate: true, evalK: 10, seed: 1, blend: "auto", als: { factors: 64, iterations },
    }, (p) => {
      const kind = p.message.replace(/[\d./]+/g, "#").split(":")[0];
      if (!seen.has(kind)) {
        seen.add(kind);
        mark(`at "${p.message}"`);
      }
    }, undefined, team ? { als: team } : undefined);
    mark("trained and evaluated");
    report.modelBytes = encodeModel(r.model).byteLength;
    mark("model encoded");
  } finally {
    void team?.close();
  }
}

async function main(): Promise<void> {
  const [phase, input, arg, iterations] = process.argv.slice(2);
  const report: PhaseReport = { phase: phase as PhaseReport["phase"], bareRssBytes: memoryOf(process.pid).rssBytes, steps: [] };
  const started = performance.now();
  const mark = (step: string): void => {
    report.steps.push({ step, peakRssBytes: memoryOf(process.pid).peakRssBytes, seconds: (performance.now() - started) / 1000 });
  };
  if (phase === "compile") await compilePhase(input, arg, report, mark);
  else if (phase === "train") trainPhase(input, Number(arg) || 1, Number(iterations) || 2, report, mark);
  else throw new Error(`unknown phase ${phase}`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
