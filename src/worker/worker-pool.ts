// The compute thread pool (piscina) and the main-thread half of the thread protocol: a
// MessageChannel per job for ordered progress/partial messages, a SharedArrayBuffer flag for
// cooperative cancellation, and piscina's abort (thread termination) as the fallback for work
// that does not stop within the grace period.
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import { errorMessage } from "../errors.js";
import type { ThreadJob, ThreadMessage, ThreadOutcome } from "./thread-protocol.js";

export interface WorkerPoolOptions {
  threads: number;
  /** Time a job gets to notice the abort flag before its thread is terminated. @default 2000 */
  hardKillAfterMs?: number;
}

export type JobInput = Omit<ThreadJob, "port" | "abortFlag">;

const DEFAULT_HARD_KILL_AFTER_MS = 2_000;

export class WorkerPool {
  readonly threads: number;
  readonly #pool: Piscina;
  readonly #hardKillAfterMs: number;

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
  }

  /** Runs one job; `onMessage` gets its progress and partial results in order. Never rejects. */
  async run(job: JobInput, onMessage: (msg: ThreadMessage) => void, signal: AbortSignal): Promise<ThreadOutcome> {
    const { port1, port2 } = new MessageChannel();
    const abortFlag = new SharedArrayBuffer(4);
    const kill = new AbortController();
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      Atomics.store(new Int32Array(abortFlag), 0, 1);
      killTimer = setTimeout(() => kill.abort(), this.#hardKillAfterMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    const ended = new Promise<void>((resolve) => {
      port1.on("message", (msg: ThreadMessage) => {
        if (msg.type === "end") resolve();
        else onMessage(msg);
      });
      port1.on("close", () => resolve());
    });
    try {
      const outcome = (await this.#pool.run({ ...job, port: port2, abortFlag } satisfies ThreadJob, { transferList: [port2], signal: kill.signal })) as ThreadOutcome;
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
      port1.close();
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
