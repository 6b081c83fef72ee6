// What a sequential-softmax team shares (all SharedArrayBuffer-backed: the problem of
// sequential-softmax.ts plus a control array) and the share of user blocks each member runs.
// Used by both sides: softmax-team.ts (part 0) and softmax-team-thread.ts (parts 1…).
import { evaluateBlocks, type SoftmaxProblem } from "../engine/sequential-softmax.js";

/** The team's command (thread-team.ts runs it). */
export const CMD = { evaluate: 1 } as const;

export interface SoftmaxTeamShared {
  ctrl: Int32Array;
  problem: SoftmaxProblem;
  threads: number;
}

/** Part `part` of `threads` evaluates a contiguous run of the problem's blocks. */
export function partBlocks(blocks: number, threads: number, part: number): [number, number] {
  return [Math.floor((part * blocks) / threads), Math.floor(((part + 1) * blocks) / threads)];
}

export function runPart(s: SoftmaxTeamShared, cmd: number, part: number): void {
  if (cmd !== CMD.evaluate) return;
  const [from, to] = partBlocks(s.problem.blocks.length - 1, s.threads, part);
  if (from < to) evaluateBlocks(s.problem, from, to);
}
