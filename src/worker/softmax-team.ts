// A team of threads for one sequential-softmax fit (src/engine/sequential-softmax.ts): the calling
// thread plus `threads − 1` helper threads share the problem (draw sequences, float32 parameters,
// per-block outputs) through SharedArrayBuffers and evaluate disjoint runs of its fixed user
// blocks. Coordination is Atomics only, so the caller stays synchronous like the serial
// executor. Every block is computed the same way on any thread and the fit sums the blocks in
// order, so the model is bit-identical to a one-thread fit.
import { Worker } from "node:worker_threads";
import { serialSoftmax, type SoftmaxExecutor, type SoftmaxProblem } from "../engine/sequential-softmax.js";
import { CMD, CTRL, runPart, type SoftmaxTeamShared } from "./softmax-team-protocol.js";

const READY_TIMEOUT_MS = 10_000;

function shared(a: Int32Array): Int32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = new Int32Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

export class SoftmaxTeam implements SoftmaxExecutor {
  readonly threads: number;
  #helpers: Worker[] = [];
  #shared: SoftmaxTeamShared | undefined;
  #problem: SoftmaxProblem | undefined;

  constructor(threads: number) {
    this.threads = Math.max(1, Math.floor(threads));
  }

  alloc32(length: number): Float32Array {
    return this.threads > 1 ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
  }

  alloc64(length: number): Float64Array {
    return this.threads > 1 ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
  }

  evaluate(problem: SoftmaxProblem): void {
    if (this.threads === 1) return serialSoftmax.evaluate(problem);
    const s = this.#bind(problem);
    const { ctrl } = s;
    Atomics.store(ctrl, CTRL.done, 0);
    Atomics.store(ctrl, CTRL.command, CMD.evaluate);
    Atomics.add(ctrl, CTRL.generation, 1);
    Atomics.notify(ctrl, CTRL.generation);
    runPart(s, CMD.evaluate, 0);
    for (let done = Atomics.load(ctrl, CTRL.done); done < this.threads - 1; done = Atomics.load(ctrl, CTRL.done)) {
      Atomics.wait(ctrl, CTRL.done, done, 1000);
    }
    if (Atomics.load(ctrl, CTRL.failed) !== 0) throw new Error("a sequential-softmax helper thread failed");
  }

  /** Stops the helper threads; the team can be bound again later. */
  async close(): Promise<void> {
    if (this.#shared) {
      Atomics.store(this.#shared.ctrl, CTRL.command, CMD.exit);
      Atomics.add(this.#shared.ctrl, CTRL.generation, 1);
      Atomics.notify(this.#shared.ctrl, CTRL.generation);
    }
    const helpers = this.#helpers;
    this.#helpers = [];
    this.#shared = undefined;
    this.#problem = undefined;
    await Promise.all(helpers.map((w) => w.terminate()));
  }

  #bind(problem: SoftmaxProblem): SoftmaxTeamShared {
    if (this.#problem === problem && this.#shared) return this.#shared;
    // A new fit (the next trial of a TuneModel search, or the refit): the helpers of the previous
    // one are told to exit and new ones start on the new shared arrays.
    if (this.#shared) void this.close();
    const outputs = [problem.X, problem.Yp, problem.cp, problem.gX, problem.gYParts, problem.gcParts, problem.lossParts];
    if (!outputs.every((a) => a.buffer instanceof SharedArrayBuffer)) throw new Error("SoftmaxTeam needs a problem allocated with its own alloc32/alloc64");
    const s: SoftmaxTeamShared = {
      ctrl: new Int32Array(new SharedArrayBuffer(CTRL.length * 4)),
      problem: { ...problem, seqPtr: shared(problem.seqPtr), seq: shared(problem.seq), blocks: shared(problem.blocks) },
      threads: this.threads,
    };
    for (let part = 1; part < this.threads; part++) {
      const w = new Worker(new URL("./softmax-team-thread.js", import.meta.url), { workerData: { shared: s, part } });
      w.unref();
      this.#helpers.push(w);
    }
    // Wait (synchronously, like the rest of a fit) until every helper is in its loop.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (let ready = Atomics.load(s.ctrl, CTRL.ready); ready < this.threads - 1; ready = Atomics.load(s.ctrl, CTRL.ready)) {
      if (Date.now() > deadline) {
        void this.close();
        throw new Error(`sequential-softmax helper threads did not start within ${READY_TIMEOUT_MS} ms`);
      }
      Atomics.wait(s.ctrl, CTRL.ready, ready, 100);
    }
    this.#shared = s;
    this.#problem = problem;
    return s;
  }
}
