// Top-k for many queries (Recommend for many users, SimilarItems for many items) split over a
// team of threads: the task's compute thread plus `threads − 1` helpers spawned for the task, all
// reading the model's factors through SharedArrayBuffers (a model decoded from the artifact cache
// already lives in one, so nothing large is copied). Query rows go in units claimed with an atomic
// counter, so a slow or late-starting helper never holds the others up; the task's thread scores
// units too and hands finished units to `onRow` strictly in row order, so results still stream as
// PartialResult chunks in user order. Coordination is Atomics only, as in AlsTeam: the task's
// thread may block (it is a pool thread), the worker's main thread is never involved.
import { type AbortFlag, type Scored, type ScoringSpace } from "../engine/index.js";
import { SCTRL, claimAndRun, newScorer, unitCount, type ScoringShared } from "./scoring-team-protocol.js";
import { SupervisedHelpers } from "./team-supervisor.js";
import { sharedCopy } from "./thread-team.js";

/** Rows per claimed unit: ~40-80 ms of work at 20,000 items × 64 factors, so an abort is seen quickly. */
const DEFAULT_UNIT_ROWS = 256;
const WAIT_SLICE_MS = 100;

export interface TeamTopKRequest {
  /** Threads in all, the calling one included. */
  threads: number;
  space: ScoringSpace & { queries?: Float32Array };
  /** Query rows (model indices); −1 = unknown, reported as undefined. */
  rows: Int32Array;
  k: number;
  mask?: Uint8Array;
  /** Items a row may not return: its seen items (CSR, runs sorted) or the item itself. */
  exclude?: { seenPtr: Int32Array; seenIdx: Int32Array } | "self";
  unitRows?: number;
  signal?: AbortFlag;
}

const sab32 = <T extends Float32Array | Int32Array>(Ctor: new (b: SharedArrayBuffer) => T, n: number): T => new Ctor(new SharedArrayBuffer(Math.max(1, n) * 4));

/**
 * Runs the request to its end on the calling thread (synchronous), calling onRow(j, list) for
 * every row in order. Stops early, without an error, once `signal` is aborted.
 */
export function teamTopK(req: TeamTopKRequest, onRow: (j: number, list: Scored[] | undefined) => void): void {
  const { rows, k, space } = req;
  const unitRows = req.unitRows ?? DEFAULT_UNIT_ROWS;
  const n = rows.length;
  const s: ScoringShared = {
    ctrl: new Int32Array(new SharedArrayBuffer(SCTRL.length * 4)),
    done: sab32(Int32Array, Math.ceil(n / unitRows)),
    unitRows,
    f: space.f,
    nItems: space.nItems,
    items: sharedCopy(space.items),
    ...(space.queries ? { queries: sharedCopy(space.queries) } : {}),
    ...(space.bias ? { bias: sharedCopy(space.bias) } : {}),
    cosine: space.cosine ?? false,
    rows: sharedCopy(rows),
    k,
    ...(req.mask ? { mask: sharedCopy(req.mask) } : {}),
    ...(req.exclude && req.exclude !== "self" ? { seenPtr: sharedCopy(req.exclude.seenPtr), seenIdx: sharedCopy(req.exclude.seenIdx) } : {}),
    excludeSelf: req.exclude === "self",
    count: sab32(Int32Array, n),
    index: sab32(Int32Array, n * k),
    score: sab32(Float32Array, n * k),
  };
  const units = unitCount(s);
  // More helpers than units would only start threads that find nothing to do. A helper that dies
  // (team-supervisor.ts) leaves its unit undone: the alarm sets `failed` and wakes the wait below.
  const helperCount = Math.max(0, Math.min(req.threads, units) - 1);
  const helpers = helperCount === 0 ? undefined : SupervisedHelpers.start(new URL("./scoring-team-thread.js", import.meta.url), Array.from({ length: helperCount }, () => ({ shared: s })), { ctrl: s.ctrl, slot: SCTRL.failed, wake: [s.done] });
  try {
    const scorer = newScorer(s);
    let emitted = 0;
    const emitDone = (): void => {
      while (emitted < units && Atomics.load(s.done, emitted) === 1) {
        const to = Math.min(n, (emitted + 1) * unitRows);
        for (let j = emitted * unitRows; j < to; j++) {
          const c = s.count[j];
          const list: Scored[] | undefined = c < 0 ? undefined : [];
          for (let t = 0; t < c; t++) list!.push({ index: s.index[j * k + t], score: s.score[j * k + t] });
          onRow(j, list);
        }
        emitted++;
      }
    };
    let claiming = true;
    while (emitted < units) {
      if (req.signal?.aborted) return;
      if (Atomics.load(s.ctrl, SCTRL.failed) !== 0) throw new Error("a scoring helper thread failed");
      if (claiming && claimAndRun(s, scorer) < 0) claiming = false;
      emitDone();
      // Nothing left to claim: wait for the helpers' units, in order.
      if (!claiming && emitted < units) Atomics.wait(s.done, emitted, 0, WAIT_SLICE_MS);
    }
  } finally {
    Atomics.store(s.ctrl, SCTRL.stop, 1);
    // Helpers end by themselves once no unit is left; terminate cuts short one still in a unit.
    void helpers?.stop();
  }
}
