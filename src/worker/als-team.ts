// A team of threads for one ALS training: the calling thread (a compute thread of the pool, or a
// bench) plus `threads − 1` helper threads share the factor matrices and the interactions through
// SharedArrayBuffers and solve disjoint row slices of each half-sweep. Coordination is Atomics
// only (thread-team.ts, no messages), so the caller stays synchronous like the serial solver. Rows are
// independent given the Gram matrix, so the factors are bit-identical to a serial run.
import { balancedSplit, finishGram, gramSplit, serialAls, throwIfAborted, type AbortFlag, type AlsExecutor, type AlsProblem, type Csr, type ObservedLoss } from "../engine/index.js";
import { CMD, runPart, type TeamShared } from "./als-team-protocol.js";
import { TeamHelpers, controlArray, sharedCopy } from "./thread-team.js";

const sharedCsr = (c: Csr): Csr => ({ indptr: sharedCopy(c.indptr), indices: sharedCopy(c.indices), weights: sharedCopy(c.weights) });

export class AlsTeam implements AlsExecutor {
  readonly threads: number;
  #helpers: TeamHelpers | undefined;
  #shared: TeamShared | undefined;
  #problem: AlsProblem | undefined;

  constructor(threads: number) {
    this.threads = Math.max(1, Math.floor(threads));
  }

  alloc(length: number): Float32Array {
    return this.threads > 1 ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
  }

  solve(problem: AlsProblem, side: "users" | "items", G: Float64Array, signal?: AbortFlag): void {
    if (this.threads === 1) return serialAls.solve(problem, side, G, signal);
    throwIfAborted(signal);
    const s = this.#bind(problem);
    s.G.set(G);
    this.#run(side === "users" ? CMD.solveUsers : CMD.solveItems, s);
  }

  gram(problem: AlsProblem, side: "users" | "items"): Float64Array {
    if (this.threads === 1) return serialAls.gram(problem, side);
    const s = this.#bind(problem);
    this.#run(side === "users" ? CMD.gramUsers : CMD.gramItems, s);
    const G = Float64Array.from(s.gramOut);
    finishGram(G, problem.f, 0);
    return G;
  }

  observedLoss(problem: AlsProblem): ObservedLoss {
    if (this.threads === 1) return serialAls.observedLoss(problem);
    const s = this.#bind(problem);
    this.#run(CMD.observedLoss, s);
    let loss = 0;
    let extraMass = 0;
    for (let p = 0; p < this.threads; p++) {
      loss += s.lossParts[2 * p];
      extraMass += s.lossParts[2 * p + 1];
    }
    return { loss, extraMass };
  }

  /** Stops the helper threads; the team can be bound again later. */
  async close(): Promise<void> {
    const helpers = this.#helpers;
    this.#helpers = undefined;
    this.#shared = undefined;
    this.#problem = undefined;
    await helpers?.stop();
  }

  #bind(problem: AlsProblem): TeamShared {
    if (this.#problem === problem && this.#shared) return this.#shared;
    // A new problem (the next trial of a TuneModel search, or the final training): the helpers
    // of the previous one are told to exit and new ones start on the new shared arrays.
    if (this.#shared) void this.close();
    if (!(problem.X.buffer instanceof SharedArrayBuffer) || !(problem.Y.buffer instanceof SharedArrayBuffer)) {
      throw new Error("AlsTeam needs factors from its own alloc()");
    }
    const { f } = problem;
    const s: TeamShared = {
      ctrl: controlArray(),
      G: new Float64Array(new SharedArrayBuffer(f * f * 8)),
      lossParts: new Float64Array(new SharedArrayBuffer(this.threads * 2 * 8)),
      gramOut: new Float64Array(new SharedArrayBuffer(f * f * 8)),
      gramBounds: Int32Array.from(gramSplit(f, this.threads)),
      userBounds: Int32Array.from(balancedSplit(problem.C.indptr, this.threads, f)),
      itemBounds: Int32Array.from(balancedSplit(problem.Ct.indptr, this.threads, f)),
      C: sharedCsr(problem.C),
      Ct: sharedCsr(problem.Ct),
      X: problem.X,
      Y: problem.Y,
      f,
      alpha: problem.alpha,
      cgSteps: problem.cgSteps,
    };
    this.#helpers = TeamHelpers.start(new URL("./als-team-thread.js", import.meta.url), s.ctrl, this.threads, (part) => ({ shared: s, part }), "ALS");
    this.#shared = s;
    this.#problem = problem;
    return s;
  }

  /** Runs `cmd` on every part: helpers on their threads, part 0 here; returns when all are done. */
  #run(cmd: number, s: TeamShared): void {
    this.#helpers!.run(cmd, () => runPart(s, cmd, 0));
  }
}
