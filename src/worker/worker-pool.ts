// The compute thread pool (piscina) and the main-thread half of the thread protocol: progress and
// partial messages tagged with the job's id on each thread's parentPort (piscina re-emits them as
// 'message'), routed to the job's listener in order; a SharedArrayBuffer flag for
// cooperative cancellation, and piscina's abort (thread termination) as the fallback for work
// that does not stop within the grace period.
import { Piscina } from "piscina";
import { errorMessage, PermanentTaskError } from "../errors.js";
import type { TaggedThreadMessage, ThreadJob, ThreadMessage, ThreadOutcome } from "./thread-protocol.js";
import { runProbe } from "./probe.js";

export interface WorkerPoolOptions {
  threads: number;
  /** Time a job gets to notice the abort flag before its thread is terminated. @default 2000 */
  hardKillAfterMs?: number;
}

export type JobInput = Omit<ThreadJob, "jobId" | "abortFlag">;

function isTagged(m: unknown): m is TaggedThreadMessage {
  return typeof m === "object" && m !== null && typeof (m as TaggedThreadMessage).recflowJob === "number";
}

const DEFAULT_HARD_KILL_AFTER_MS = 2_000;

/**
 * A job with nothing to compute: a Probe with no work (no steps, no faults that need a thread of
 * their own). Handing it to a thread (a structured clone each way, piscina's queue, a thread
 * wake-up) cost more main-thread CPU than the job: a quarter of a worker's profile in the
 * throughput bench. It runs on the main thread instead, with the same messages and outcomes.
 */
export function isTrivialJob(job: JobInput): boolean {
  const p = job.spec.kind === "probe" ? job.spec.probe : undefined;
  return !!p && p.workMs === 0 && !p.crashProcess && !p.crashThread;
}

export class WorkerPool {
  readonly threads: number;
  readonly #pool: Piscina;
  readonly #hardKillAfterMs: number;
  readonly #listeners = new Map<number, (msg: ThreadMessage) => void>();
  #nextJobId = 1;

  constructor(opts: WorkerPoolOptions) {
    this.threads = opts.threads;
    this.#hardKillAfterMs = opts.hardKillAfterMs ?? DEFAULT_HARD_KILL_AFTER_MS;
    this.#pool = new Piscina({
      filename: new URL("./task-thread.js", import.meta.url).href,
      minThreads: opts.threads,
      maxThreads: opts.threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
    this.#pool.on("message", (m: unknown) => {
      if (isTagged(m)) this.#listeners.get(m.recflowJob)?.(m.msg);
    });
  }

  /** Runs one job; `onMessage` gets its progress and partial results in order. Never rejects. */
  async run(job: JobInput, onMessage: (msg: ThreadMessage) => void, signal: AbortSignal): Promise<ThreadOutcome> {
    if (isTrivialJob(job)) return runInline(job, onMessage, signal);
    const jobId = this.#nextJobId++;
    const abortFlag = new SharedArrayBuffer(4);
    const kill = new AbortController();
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      Atomics.store(new Int32Array(abortFlag), 0, 1);
      killTimer = setTimeout(() => kill.abort(), this.#hardKillAfterMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    // The thread posts "end" before piscina hands back the result, but on another channel: a
    // successful job waits for it so that every message it posted has been handled.
    const ended = new Promise<void>((resolve) => {
      this.#listeners.set(jobId, (msg) => {
        if (msg.type === "end") resolve();
        else onMessage(msg);
      });
    });
    try {
      const outcome = (await this.#pool.run({ ...job, jobId, abortFlag } satisfies ThreadJob, { signal: kill.signal })) as ThreadOutcome;
      if (outcome.ok && outcome.artifact && !(outcome.artifact.bytes instanceof Uint8Array)) {
        // Structured clone hands typed arrays back as typed arrays; anything else is a bug.
        throw new Error("thread returned a malformed model artifact");
      }
      await ended;
      return outcome;
    } catch (err) {
      if (kill.signal.aborted) return { ok: false, aborted: true, permanent: false, code: 1, reason: "ABORTED", message: "thread terminated after abort" };
      // The thread died (uncaught error, out of memory, process.exit in task code): retryable.
      return { ok: false, aborted: false, permanent: false, code: 13, reason: "THREAD_CRASHED", message: `compute thread crashed: ${errorMessage(err)}` };
    } finally {
      signal.removeEventListener("abort", onAbort);
      clearTimeout(killTimer);
      this.#listeners.delete(jobId);
    }
  }

  /** Busy threads' share of capacity, for metrics. */
  get utilization(): number {
    return this.#pool.utilization;
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}

/** A trivial job (see isTrivialJob) on the calling thread, reporting as task-thread.ts's runJob does. */
async function runInline(job: JobInput, onMessage: (msg: ThreadMessage) => void, signal: AbortSignal): Promise<ThreadOutcome> {
  const aborted: ThreadOutcome = { ok: false, aborted: true, permanent: false, code: 1, reason: "ABORTED", message: "aborted" };
  onMessage({ type: "began" });
  try {
    const result = await runProbe(job.spec.probe!, {
      taskId: job.taskId, attempt: job.attempt, workerId: job.workerId, allowFaultInjection: job.allowFaultInjection, trainThreads: job.trainThreads,
      get aborted() {
        return signal.aborted;
      },
      post: onMessage,
      setArtifact: () => undefined,
    });
    return signal.aborted ? aborted : { ok: true, result };
  } catch (err) {
    if (signal.aborted) return aborted;
    if (err instanceof PermanentTaskError) return { ok: false, aborted: false, permanent: true, code: err.code, reason: err.reason, message: err.message };
    return { ok: false, aborted: false, permanent: false, code: 13, reason: "TASK_ERROR", message: errorMessage(err) };
  }
}
