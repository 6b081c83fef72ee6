// Entry point of a compute thread (loaded by piscina). Runs one job at a time and reports on the
// thread's parentPort, tagged with the job's id; the main thread never computes.
import { parentPort } from "node:worker_threads";
import { PermanentTaskError, errorMessage } from "../errors.js";
import type { ModelArtifact, TaggedThreadMessage, ThreadJob, ThreadMessage, ThreadOutcome } from "./thread-protocol.js";
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

function postFor(jobId: number): (msg: ThreadMessage) => void {
  const port = parentPort;
  if (!port) throw new Error("task-thread must run in a worker thread");
  return (msg) => port.postMessage({ recflowJob: jobId, msg } satisfies TaggedThreadMessage);
}

function contextFor(job: ThreadJob, post: (msg: ThreadMessage) => void, artifact: { value?: ModelArtifact }): ThreadContext {
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
    post,
    setArtifact: (a) => {
      artifact.value = a;
    },
  };
}

export default async function runJob(job: ThreadJob): Promise<ThreadOutcome> {
  const post = postFor(job.jobId);
  const artifact: { value?: ModelArtifact } = {};
  const ctx = contextFor(job, post, artifact);
  post({ type: "began" });
  try {
    const result = job.spec.kind === "probe" ? await runProbe(job.spec.probe!, ctx) : runEngineTask(job.spec, job, ctx);
    if (ctx.aborted) return { ok: false, aborted: true, permanent: false, code: 1, reason: "ABORTED", message: "aborted" };
    return { ok: true, result, ...(artifact.value ? { artifact: artifact.value } : {}) };
  } catch (err) {
    if (ctx.aborted) return { ok: false, aborted: true, permanent: false, code: 1, reason: "ABORTED", message: "aborted" };
    if (err instanceof PermanentTaskError) return { ok: false, aborted: false, permanent: true, code: err.code, reason: err.reason, message: err.message };
    return { ok: false, aborted: false, permanent: false, code: 13, reason: "TASK_ERROR", message: errorMessage(err) };
  } finally {
    // The job's last message: everything it posted before has been delivered, in order.
    post({ type: "end" });
  }
}
