// The Probe task kind: synthetic work for operations, tests and benchmarks. Runs in a thread.
import type { Probe__Output } from "../generated/recflow/v1/Probe.js";
import type { TaskResult } from "../generated/recflow/v1/TaskResult.js";
import { PermanentTaskError } from "../errors.js";
import type { ThreadContext } from "./task-thread.js";

/** A failure the probe was asked to produce; retryable like any ordinary error. */
export class ProbeFailure extends Error {
  override name = "ProbeFailure";
}

/** Keeps the thread busy until `end` (a performance.now() time), in slices of ~0.1 ms. */
function busyUntil(end: number, ctx: ThreadContext): void {
  let x = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1_000; i++) x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    if (ctx.aborted) return;
  }
  if (x < 0) throw new Error("unreachable");
}

async function sleepFor(ms: number, ctx: ThreadContext): Promise<void> {
  const end = Date.now() + ms;
  while (!ctx.aborted && Date.now() < end) {
    await new Promise((r) => setTimeout(r, Math.min(20, end - Date.now())));
  }
}

export async function runProbe(p: Probe__Output, ctx: ThreadContext): Promise<TaskResult> {
  if (p.crashProcess) {
    if (!ctx.allowFaultInjection) {
      throw new PermanentTaskError("probe.crash_process needs a worker started with RECFLOW_ALLOW_FAULT_INJECTION=1", { code: 7, reason: "FAULT_INJECTION_DISABLED" });
    }
    ctx.post({ type: "crash-process" });
    await sleepFor(60_000, ctx);
  }
  if (p.crashThread) {
    if (!ctx.allowFaultInjection) {
      throw new PermanentTaskError("probe.crash_thread needs a worker started with RECFLOW_ALLOW_FAULT_INJECTION=1", { code: 7, reason: "FAULT_INJECTION_DISABLED" });
    }
    // Thrown from a timer, outside the task's promise: nothing in the thread can catch it.
    setTimeout(() => {
      throw new Error("probe.crash_thread: this thread dies");
    }, 0);
    await sleepFor(60_000, ctx);
  }
  if (p.permanentError) throw new PermanentTaskError("probe asked for a permanent error", { reason: "PROBE_PERMANENT_ERROR" });
  if (ctx.attempt <= p.failAttempts) throw new ProbeFailure(`probe fails attempt ${ctx.attempt} of the first ${p.failAttempts}`);
  const steps = p.workMs === 0 ? 0 : p.progressSteps || 10;
  // Step i ends at start + i × slice, so overshoot does not add up over the steps: the job takes
  // work_ms, not work_ms plus a bit per step.
  const start = performance.now();
  for (let i = 1; i <= steps; i++) {
    const slice = p.workMs / steps;
    if (p.cpu) busyUntil(start + i * slice, ctx);
    else await sleepFor(start + i * slice - performance.now(), ctx);
    if (ctx.aborted) break;
    ctx.post({ type: "progress", fraction: i / steps, message: `step ${i}/${steps}` });
  }
  return { probe: { attempt: ctx.attempt, workerId: ctx.workerId, workMs: p.workMs } };
}
