// A team of threads for one sequential-softmax fit (src/engine/sequential-softmax.ts): the calling
// thread plus `threads − 1` helper threads share the problem (draw sequences, float32 parameters,
// per-block outputs) through SharedArrayBuffers and evaluate disjoint runs of its fixed user
// blocks. Coordination is Atomics only, so the caller stays synchronous like the serial
// executor. Every block is computed the same way on any thread and the fit sums the blocks in
// order, so the model is bit-identical to a one-thread fit.
import { serialSoftmax, type SoftmaxExecutor, type SoftmaxProblem } from "../engine/sequential-softmax.js";
import { CMD, runPart, type SoftmaxTeamShared } from "./softmax-team-protocol.js";
import { TeamHelpers, controlArray, sharedCopy } from "./thread-team.js";


export class SoftmaxTeam implements SoftmaxExecutor {
  readonly threads: number;
  #helpers: TeamHelpers | undefined;
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
    this.#helpers!.run(CMD.evaluate, () => runPart(s, CMD.evaluate, 0));
  }

  /** Stops the helper threads; the team can be bound again later. */
  async close(): Promise<void> {
    const helpers = this.#helpers;
    this.#helpers = undefined;
    this.#shared = undefined;
    this.#problem = undefined;
    await helpers?.stop();
  }

  #bind(problem: SoftmaxProblem): SoftmaxTeamShared {
    if (this.#problem === problem && this.#shared) return this.#shared;
    // A new fit (the next trial of a TuneModel search, or the refit): the helpers of the previous
    // one are told to exit and new ones start on the new shared arrays.
    if (this.#shared) void this.close();
    const outputs = [problem.X, problem.Yp, problem.cp, problem.gX, problem.gYParts, problem.gcParts, problem.lossParts];
    if (!outputs.every((a) => a.buffer instanceof SharedArrayBuffer)) throw new Error("SoftmaxTeam needs a problem allocated with its own alloc32/alloc64");
    const s: SoftmaxTeamShared = {
      ctrl: controlArray(),
      problem: { ...problem, seqPtr: sharedCopy(problem.seqPtr), seq: sharedCopy(problem.seq), blocks: sharedCopy(problem.blocks) },
      threads: this.threads,
    };
    this.#helpers = TeamHelpers.start(new URL("./softmax-team-thread.js", import.meta.url), s.ctrl, this.threads, (part) => ({ shared: s, part }), "sequential-softmax");
    this.#shared = s;
    this.#problem = problem;
    return s;
  }
}
