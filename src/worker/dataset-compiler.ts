// Compiling a dataset at its first use: the gateway stores only the raw text (validated row by
// row), and the first task that needs the dataset compiles it here, on a thread, then writes the
// compiled form back to the Object Store for every later task and worker. The compiled object
// records the digest of the raw text it came from (`source`), so a dataset deleted and uploaded
// again under the same id is never served the old compiled form, and its exact counts, which
// GetDataset shows in place of the upload's estimates.
import { Worker } from "node:worker_threads";
import { status as Code } from "@grpc/grpc-js";
import { PermanentTaskError } from "../errors.js";
import type { DatasetStats } from "../engine/index.js";
import type { CompilerReply, CompilerRequest } from "./dataset-compile-thread.js";

/**
 * The compile thread's heap cap: ids (a Map entry and a string each, ~100 bytes per distinct id)
 * live in the V8 heap; the row arrays are ArrayBuffers outside it. 2 GiB holds ~20M distinct ids.
 */
const COMPILE_THREAD_HEAP_MB = 2048;

export interface CompiledDataset {
  compiled: Uint8Array;
  stats: DatasetStats;
}

/**
 * Compiles raw interaction text read from `source`, chunk by chunk (the next chunk is read only
 * once the thread has parsed the previous one). A row the gateway let through but the full build
 * refuses (duplicate rows whose weights sum past MAX_WEIGHT) is a permanent INVALID_DATASET
 * failure: the data will not change, so retrying cannot help.
 */
export async function compileDataset(source: ReadableStream<Uint8Array>, datasetId: string): Promise<CompiledDataset> {
  const thread = new Worker(new URL("./dataset-compile-thread.js", import.meta.url), {
    workerData: { maxRows: Number.POSITIVE_INFINITY },
    resourceLimits: { maxOldGenerationSizeMb: COMPILE_THREAD_HEAP_MB },
  });
  let pending: { resolve: (r: CompilerReply) => void; reject: (e: Error) => void } | undefined;
  const settle = (fn: (p: NonNullable<typeof pending>) => void): void => {
    const p = pending;
    pending = undefined;
    if (p) fn(p);
  };
  thread.on("message", (r: CompilerReply) => settle((p) => p.resolve(r)));
  thread.on("error", (err) => settle((p) => p.reject(err)));
  thread.on("exit", (code) => settle((p) => p.reject(new Error(`dataset compile thread exited with code ${code}`))));
  const request = (msg: CompilerRequest, transfer: ArrayBuffer[] = []): Promise<CompilerReply> =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
      thread.postMessage(msg, transfer);
    });
  const refuse = (reply: CompilerReply): void => {
    if (reply.type === "format-error" || reply.type === "limit-error") {
      throw new PermanentTaskError(`dataset ${datasetId} cannot be compiled: ${reply.message}`, { code: Code.INVALID_ARGUMENT, reason: "INVALID_DATASET" });
    }
  };
  const reader = source.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // A copy: the chunk may view a buffer the NATS client still owns, which a transfer would detach.
      const chunk = value.slice();
      refuse(await request({ type: "chunk", data: chunk }, [chunk.buffer]));
    }
    const reply = await request({ type: "end" });
    refuse(reply);
    if (reply.type !== "done") throw new Error("compile thread gave no result");
    return { compiled: reply.compiled, stats: reply.stats };
  } finally {
    await reader.cancel().catch(() => undefined);
    await thread.terminate();
  }
}
