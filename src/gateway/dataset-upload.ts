// UploadDataset: a client stream of CSV/TSV chunks. The gateway's event loop only moves bytes:
// each chunk goes (a) to the Object Store as raw text, through a back-pressured stream, and
// (b) to a validation thread that checks every row as it arrives and counts the dataset's shape
// in bounded memory. The gRPC stream is paused while a chunk is in flight, so neither side can
// buffer the file, and nothing grows with the rows: the CSR form is compiled later by a worker,
// at the dataset's first use (src/worker/dataset-compiler.ts). Any failure (bad row, limit,
// client gone) deletes what was written: the catalog's meta object is written last, so a failed
// upload is never visible.
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type * as grpc from "@grpc/grpc-js";
import type { UploadDatasetRequest__Output } from "../generated/recflow/v1/UploadDatasetRequest.js";
import type { Dataset, Dataset__Output } from "../generated/recflow/v1/Dataset.js";
import { toTimestamp } from "../api/task-model.js";
import { CancelledError, DeadlineExceededError, ResourceExhaustedError, ValidationError, errorMessage } from "../errors.js";
import type { DatasetCatalog } from "../nats/index.js";
import type { Logger } from "../log.js";
import type { Authenticator } from "./auth.js";
import { PushableByteStream } from "./byte-stream.js";
import { toGrpcStatus } from "./grpc-status.js";
import { validateResourceId } from "./validation.js";
import { DATASET_PARTS } from "./resources-service.js";
import type { ValidatorReply, ValidatorRequest } from "./dataset-validation-thread.js";

export interface UploadLimits {
  maxDatasetBytes: number;
  maxDatasetRows: number;
  maxConcurrentUploads: number;
  /** An upload that sends nothing for this long is aborted (slow-loris). */
  uploadIdleTimeoutMs: number;
}

/**
 * The validation thread's heap cap. It holds one chunk, the current line and three distinct
 * counters (≤ 1 MiB each), so this is only a backstop that turns a leak into a failed upload
 * instead of a gateway killed for memory.
 */
const VALIDATION_THREAD_HEAP_MB = 64;

/** Main-thread side of one validation thread. */
class ValidationSession {
  readonly #worker: Worker;
  #pending: { resolve: (r: ValidatorReply) => void; reject: (e: Error) => void } | undefined;

  constructor(maxRows: number) {
    this.#worker = new Worker(new URL("./dataset-validation-thread.js", import.meta.url), {
      workerData: { maxRows },
      resourceLimits: { maxOldGenerationSizeMb: VALIDATION_THREAD_HEAP_MB },
    });
    this.#worker.on("message", (r: ValidatorReply) => {
      const p = this.#pending;
      this.#pending = undefined;
      p?.resolve(r);
    });
    this.#worker.on("error", (err) => {
      const p = this.#pending;
      this.#pending = undefined;
      p?.reject(err);
    });
    this.#worker.on("exit", (code) => {
      const p = this.#pending;
      this.#pending = undefined;
      p?.reject(new Error(`dataset validation thread exited with code ${code}`));
    });
  }

  request(msg: ValidatorRequest, transfer: ArrayBuffer[] = []): Promise<ValidatorReply> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage(msg, transfer);
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

export function uploadDatasetHandler(deps: { datasets: DatasetCatalog; auth: Authenticator; limits: UploadLimits; log: Logger }): grpc.handleClientStreamingCall<UploadDatasetRequest__Output, Dataset> {
  const { datasets, auth, limits, log } = deps;
  let active = 0;

  return (call, callback) => {
    let finished = false;
    const finish = (err: unknown, result?: Dataset__Output | Dataset): void => {
      if (finished) return;
      finished = true;
      if (err) callback(toGrpcStatus(err, log));
      else callback(null, result);
    };

    const run = async (): Promise<Dataset> => {
      const tenant = auth.tenantOf(call.metadata);
      const maxBytes = auth.limitsOf(tenant).maxDatasetBytes;
      if (active >= limits.maxConcurrentUploads) {
        throw new ResourceExhaustedError(`this gateway already runs ${active} uploads; retry shortly`, { retryAfterMs: 1000 });
      }
      active++;
      const session = new ValidationSession(limits.maxDatasetRows);
      const raw = new PushableByteStream();
      let datasetId = "";
      let displayName = "";
      let labels: Record<string, string> = {};
      let rawPut: Promise<number> | undefined;
      let received = 0;
      try {
        const messages = readStream(call, limits.uploadIdleTimeoutMs);
        for await (const req of messages) {
          if (!rawPut) {
            if (req.part !== "metadata" || !req.metadata) throw ValidationError.field("metadata", "the first message must carry the dataset metadata");
            const m = req.metadata;
            datasetId = m.datasetId === "" ? `d_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}` : validateResourceId("metadata.dataset_id", m.datasetId);
            displayName = m.displayName.slice(0, 256);
            labels = m.labels;
            if (await datasets.exists(tenant, datasetId)) throw new ValidationError([{ field: "metadata.dataset_id", description: `dataset ${datasetId} already exists; delete it first or pick another id` }]);
            rawPut = datasets.putStream(tenant, datasetId, "raw", raw.stream);
            // Surface a failing store write at once instead of after the whole upload.
            rawPut.catch(() => undefined);
            continue;
          }
          if (req.part !== "chunk" || !req.chunk) throw ValidationError.field("chunk", "only the first message may carry metadata");
          received += req.chunk.length;
          if (received > maxBytes) {
            throw new ResourceExhaustedError(`dataset exceeds the ${maxBytes}-byte limit`);
          }
          // The message's own buffer goes to the store; a copy moves to the thread (transferred, so
          // each chunk exists twice at most: garbage the GC reclaims is what bounds the RSS).
          const forThread = new Uint8Array(req.chunk);
          const reply = await Promise.all([raw.push(req.chunk), session.request({ type: "chunk", data: forThread }, [forThread.buffer])]).then(([, r]) => r);
          throwIfFailed(reply);
        }
        if (!rawPut) throw ValidationError.field("metadata", "the stream was empty; send metadata, then chunks");
        const reply = await session.request({ type: "end" });
        throwIfFailed(reply);
        if (reply.type !== "done") throw new Error("validation thread gave no result");
        raw.close();
        const rawBytes = await rawPut;
        // A client that went away before the end gets nothing stored, even if every chunk arrived.
        // grpc-js's client cancel() ends the writable side first (END_STREAM) and resets the stream
        // after it (RST_STREAM): the server sees a clean 'end' and learns of the cancel 30-60 ms
        // later (measured). So a stored dataset waits out that window before it is committed.
        await cancelledWithin(call, TRAILING_CANCEL_GRACE_MS);
        if (call.cancelled) throw new CancelledError("upload cancelled by the client");
        // compiled_bytes stays 0 until a worker compiles the dataset (its first use).
        const dataset: Dataset = {
          id: datasetId, displayName, labels, users: reply.stats.users, items: reply.stats.items,
          interactions: reply.stats.interactions, rows: reply.stats.rows, density: reply.stats.density,
          hasTimestamps: reply.stats.hasTimestamps, rawBytes, compiledBytes: 0, countsEstimated: !reply.stats.exact,
          createTime: toTimestamp(Date.now()),
        };
        if (call.cancelled) throw new CancelledError("upload cancelled by the client");
        await datasets.commit(tenant, datasetId, dataset);
        log.info({ tenant, datasetId, rows: reply.stats.rows, rawBytes }, "dataset stored");
        return dataset;
      } catch (err) {
        raw.error(err instanceof Error ? err : new Error(errorMessage(err)));
        await rawPut?.catch(() => undefined);
        if (rawPut) {
          await datasets.remove(tenant, datasetId, DATASET_PARTS).catch((e: unknown) => log.error({ err: e, datasetId }, "could not clean up a failed upload"));
        }
        throw err;
      } finally {
        active--;
        await session.close();
      }
    };

    call.on("cancelled", () => finish(new CancelledError("upload cancelled by the client")));
    run().then((d) => finish(null, d), (err: unknown) => finish(err));
  };
}

/** How long an upload that ended waits for a trailing cancel before it is committed. */
const TRAILING_CANCEL_GRACE_MS = 300;

/** Resolves when the call is cancelled or `ms` have passed, whichever comes first. */
async function cancelledWithin(call: grpc.ServerReadableStream<UploadDatasetRequest__Output, Dataset>, ms: number): Promise<void> {
  if (call.cancelled) return;
  await once(call, "cancelled", { signal: AbortSignal.timeout(ms) }).catch(() => undefined);
}

function throwIfFailed(reply: ValidatorReply): void {
  if (reply.type === "format-error") throw ValidationError.field("chunk", reply.message);
  if (reply.type === "limit-error") throw new ResourceExhaustedError(reply.message);
}

/** The client stream as an async iterator, one message at a time (paused in between). */
async function* readStream(call: grpc.ServerReadableStream<UploadDatasetRequest__Output, Dataset>, idleMs: number): AsyncGenerator<UploadDatasetRequest__Output> {
  const queue: UploadDatasetRequest__Output[] = [];
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  call.on("data", (m: UploadDatasetRequest__Output) => {
    queue.push(m);
    call.pause();
    notify();
  });
  call.on("end", () => {
    if (call.cancelled) failure = new CancelledError("upload cancelled by the client");
    else done = true;
    notify();
  });
  call.on("error", (e: Error) => {
    failure = e;
    notify();
  });
  call.on("cancelled", () => {
    failure = new CancelledError("upload cancelled by the client");
    notify();
  });
  for (;;) {
    if (queue.length > 0) {
      yield queue.shift()!;
      call.resume();
      continue;
    }
    if (failure) throw failure;
    if (done) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await new Promise<boolean>((resolve) => {
      wake = () => resolve(false);
      timer = setTimeout(() => resolve(true), idleMs);
    });
    clearTimeout(timer);
    if (timedOut) throw new DeadlineExceededError(`upload idle for ${idleMs} ms; send data continuously or split the upload`);
  }
}
