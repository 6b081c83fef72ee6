// The protocol between a worker's main thread and its compute threads. A job goes in through
// piscina; progress, partial results and the end marker come back tagged with the job's id on the
// thread's own parentPort (in order, one channel per thread for its whole life: a MessagePort per
// job cost ~60 µs of main-thread CPU to transfer), so the main thread has every partial result
// before it writes the terminal event. Errors cross as
// data (permanent or not), since class identity does not survive structured cloning.
import type { Algorithm__Output } from "../generated/recflow/v1/Algorithm.js";
import type { TaskSpec__Output } from "../generated/recflow/v1/TaskSpec.js";
import type { TaskResult } from "../generated/recflow/v1/TaskResult.js";
import type { PartialResult } from "../generated/recflow/v1/PartialResult.js";
import type { TaskInputs } from "./task-inputs.js";

export interface ThreadJob {
  taskId: string;
  tenant: string;
  attempt: number;
  workerId: string;
  spec: TaskSpec__Output;
  allowFaultInjection: boolean;
  /** Threads an ALS training may use (1 = just this one). */
  trainThreads: number;
  /** Compiled dataset and/or model the task reads (shared memory, not copied). */
  inputs: TaskInputs;
  /** Largest PartialResult chunk to post, in encoded bytes (stays under NATS's message limit). */
  maxChunkBytes: number;
  /** Int32Array(1) over this buffer: non-zero means "stop now" (cancel, deadline, shutdown). */
  abortFlag: SharedArrayBuffer;
  /** Tags this job's messages on the thread's parentPort. */
  jobId: number;
}

/** A ThreadMessage of one job as posted on a thread's parentPort. */
export interface TaggedThreadMessage {
  recflowJob: number;
  msg: ThreadMessage;
}

export type ThreadMessage =
  /** First message of every job: the thread has taken it (it may have waited in the pool's queue). */
  | { type: "began" }
  | { type: "progress"; fraction: number; message: string; metrics?: Record<string, number>; /** Never throttled away (e.g. a finished trial). */ milestone?: boolean }
  | { type: "partial"; chunk: PartialResult }
  | { type: "crash-process" }
  | { type: "end" };

/** What a TrainModel task hands back besides its result: the model to store. */
export interface ModelArtifact {
  bytes: Uint8Array;
  modelId: string;
  /** Any trained algorithm (never ALGORITHM_UNSPECIFIED). */
  algorithm: Exclude<Algorithm__Output, "ALGORITHM_UNSPECIFIED">;
  users: number;
  items: number;
  factors: number;
  iterations: number;
  finalLoss: number;
  formatVersion: number;
  metrics: Record<string, number>;
  baselineMetrics: Record<string, number>;
  trainSeconds: number;
  /** TrainModel promote_to: the scores the promotion decides on, all on this training's holdout. */
  promotion?: PromotionScores;
}

export interface PromotionScores {
  alias: string;
  /** "ndcg@<eval_k>". */
  metric: string;
  candidateScore: number;
  baselineScore: number;
  /** The alias's model when the task started, and its score; absent when the alias was new. */
  current?: { modelId: string; score: number };
}

export type ThreadOutcome =
  | { ok: true; result: TaskResult; artifact?: ModelArtifact }
  | { ok: false; aborted: boolean; permanent: boolean; code: number; reason: string; message: string };
