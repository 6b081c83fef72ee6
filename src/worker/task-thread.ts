// Entry point of a compute thread (loaded by piscina). Runs one job at a time and reports through
// the job's MessagePort; the main thread never computes.
import type { MessagePort } from "node:worker_threads";
import { PermanentTaskError, errorMessage } from "../errors.js";
import type { ModelArtifact, ThreadJob, ThreadMessage, ThreadOutcome } from "./thread-protocol.js";
import { runProbe } from "./probe.js";
import { runEngineTask } from "./engine-tasks.js";

export interface ThreadContext {
  readonly taskId: string;
  readonly attempt: number;
  readonly workerId: string;
  readonly allowFaultInjection: boolean;
  readonly trainThreads: number;
  /** True once the main thread asked this job to stop. Cheap enough for hot loops. */
  readonly aborted: boolean;
  post(msg: ThreadMessage): void;
  /** A model to store before the task is reported successful (TrainModel). */
  setArtifact(a: ModelArtifact): void;
}

function contextFor(job: ThreadJob, port: MessagePort, artifact: { value?: ModelArtifact }): ThreadContext {
  const flag = new Int32Array(job.abortFlag);
  return {
    taskId: job.taskId,
    attempt: job.attempt,
    workerId: job.workerId,
    allowFaultInjection: job.allowFaultInjection,
    trainThreads: job.trainThreads,
    get aborted() {
      return Atomics.load(flag, 0) !== 0;
    },
    post: (msg) => port.postMessage(msg),
    setArtifact: (a) => {
      artifact.value = a;
    },
  };
}

export default async function runJob(job: ThreadJob): Promise<ThreadOutcome> {
  const port = job.port;
  const artifact: { value?: ModelArtifact } = {};
  const ctx = contextFor(job, port, artifact);
  try {
    const result = job.spec.kind === "probe" ? await runProbe(job.spec.probe!, ctx) : runEngineTask(job.spec, job, ctx);
    if (ctx.aborted) return { ok: false, aborted: true, permanent: false, code: 1, reason: "ABORTED", message: "aborted" };
    return { ok: true, result, ...(artifact.value ? { artifact: artifact.value } : {}) };
  } catch (err) {
    if (ctx.aborted) return { ok: false, aborted: true, permanent: false, code: 1, reason: "ABORTED", message: "aborted" };
    if (err instanceof PermanentTaskError) return { ok: false, aborted: false, permanent: true, code: err.code, reason: err.reason, message: err.message };
    return { ok: false, aborted: false, permanent: false, code: 13, reason: "TASK_ERROR", message: errorMessage(err) };
  } finally {
    // Last message on the port: everything posted before it has been delivered in order.
    port.postMessage({ type: "end" } satisfies ThreadMessage);
    port.close();
  }
}
