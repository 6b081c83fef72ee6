// What a scoring team shares (SharedArrayBuffer-backed where it is large) and the loop every
// member runs: claim the next unit of query rows, score it with its own BlockedScorer (each
// thread packs the items into its own WebAssembly memory), write the top-k into the shared result
// arrays, mark the unit done. Used by scoring-team.ts (the task's thread) and scoring-team-thread.ts.
import { BlockedScorer, type ScoringFilter } from "../engine/index.js";

/** Slots of the control array. */
export const SCTRL = { next: 0, stop: 1, failed: 2, length: 3 } as const;

export interface ScoringShared {
  ctrl: Int32Array;
  /** Per unit: 1 once its results are written. */
  done: Int32Array;
  /** Query rows per unit (the last may be shorter). */
  unitRows: number;
  f: number;
  nItems: number;
  items: Float32Array;
  /** Recommend: user factors; absent for cosine. */
  queries?: Float32Array;
  bias?: Float32Array;
  cosine: boolean;
  /** Query rows (model user or item indices); −1 = unknown, not scored. */
  rows: Int32Array;
  k: number;
  mask?: Uint8Array;
  /** Exclusions per query row: seen items (CSR, each run sorted), or "self" for similar items. */
  seenPtr?: Int32Array;
  seenIdx?: Int32Array;
  excludeSelf: boolean;
  /** Per row: entries written (−1: unknown row); entries at row·k. */
  count: Int32Array;
  index: Int32Array;
  score: Float32Array;
}

export const unitCount = (s: ScoringShared): number => Math.ceil(s.rows.length / s.unitRows);

export function newScorer(s: ScoringShared): BlockedScorer {
  return new BlockedScorer({ f: s.f, nItems: s.nItems, items: s.items, queries: s.queries, bias: s.bias, cosine: s.cosine });
}

function filterOf(s: ScoringShared): ScoringFilter {
  const { seenPtr, seenIdx } = s;
  if (s.excludeSelf) return { mask: s.mask, exclude: (i) => Int32Array.of(i) };
  if (seenPtr && seenIdx) return { mask: s.mask, exclude: (u) => seenIdx.subarray(seenPtr[u], seenPtr[u + 1]) };
  return { mask: s.mask };
}

/** Scores unit `unit` into the shared results and marks it done. */
export function runUnit(s: ScoringShared, scorer: BlockedScorer, unit: number): void {
  const from = unit * s.unitRows;
  const to = Math.min(s.rows.length, from + s.unitRows);
  const { k } = s;
  scorer.topK(s.rows, k, filterOf(s), (j, list) => {
    if (!list) {
      s.count[j] = -1;
      return;
    }
    s.count[j] = list.length;
    for (let t = 0; t < list.length; t++) {
      s.index[j * k + t] = list[t].index;
      s.score[j * k + t] = list[t].score;
    }
  }, from, to);
  Atomics.store(s.done, unit, 1);
  Atomics.notify(s.done, unit);
}

/** Claims and runs the next unit; −1 when none is left or the team was told to stop. */
export function claimAndRun(s: ScoringShared, scorer: BlockedScorer): number {
  if (Atomics.load(s.ctrl, SCTRL.stop) !== 0) return -1;
  const unit = Atomics.add(s.ctrl, SCTRL.next, 1);
  if (unit >= unitCount(s)) return -1;
  runUnit(s, scorer, unit);
  return unit;
}
