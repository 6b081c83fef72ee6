// What an ALS team shares (all SharedArrayBuffer-backed) and the one function every member runs
// on its row slice. Used by both sides: als-team.ts (part 0) and als-team-thread.ts (parts 1…).
import { cgScratch, gramRange, observedLossRange, solveRange, type Csr } from "../engine/index.js";

/** The team's commands (thread-team.ts runs them). */
export const CMD = { solveUsers: 1, solveItems: 2, observedLoss: 3, gramUsers: 4, gramItems: 5 } as const;

export interface TeamShared {
  ctrl: Int32Array;
  /** Gram + λI of the other side for the current half-sweep. */
  G: Float64Array;
  /** Per part: observed loss, extra confidence mass. */
  lossParts: Float64Array;
  /** XᵀX or YᵀY being computed (upper triangle), split by Gram row. */
  gramOut: Float64Array;
  gramBounds: Int32Array;
  userBounds: Int32Array;
  itemBounds: Int32Array;
  C: Csr;
  Ct: Csr;
  X: Float32Array;
  Y: Float32Array;
  f: number;
  alpha: number;
  cgSteps: number;
}

const scratches = new Map<number, ReturnType<typeof cgScratch>>();

export function runPart(s: TeamShared, cmd: number, part: number): void {
  let scratch = scratches.get(s.f);
  if (!scratch) scratches.set(s.f, (scratch = cgScratch(s.f)));
  if (cmd === CMD.solveUsers) {
    solveRange(s.X, s.Y, s.G, s.C, s.f, s.alpha, s.cgSteps, s.userBounds[part], s.userBounds[part + 1], scratch);
  } else if (cmd === CMD.solveItems) {
    solveRange(s.Y, s.X, s.G, s.Ct, s.f, s.alpha, s.cgSteps, s.itemBounds[part], s.itemBounds[part + 1], scratch);
  } else if (cmd === CMD.gramUsers || cmd === CMD.gramItems) {
    const users = cmd === CMD.gramUsers;
    const n = users ? s.userBounds[s.userBounds.length - 1] : s.itemBounds[s.itemBounds.length - 1];
    gramRange(users ? s.X : s.Y, n, s.f, s.gramBounds[part], s.gramBounds[part + 1], s.gramOut);
  } else if (cmd === CMD.observedLoss) {
    const o = observedLossRange(s.X, s.Y, s.C, s.f, s.alpha, s.userBounds[part], s.userBounds[part + 1]);
    s.lossParts[2 * part] = o.loss;
    s.lossParts[2 * part + 1] = o.extraMass;
  }
}
