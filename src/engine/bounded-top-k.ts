// Bounded top-k for many queries at once, fed a chunk of scores at a time in increasing item
// order. Each query keeps a min-heap of k; once it is full, an item must beat the heap's worst
// score strictly to be looked at (items come in increasing index order, so on equal scores the
// one already kept has the lower index and wins, exactly as topK in top-k.ts breaks ties). Masks
// and exclusions are checked only for those few candidates. NaN scores are skipped, as topK does.
import type { Scored } from "./top-k.js";

export class BoundedTopK {
  readonly k: number;
  readonly #score: Float64Array;
  readonly #index: Int32Array;
  readonly #size: Int32Array;
  /** Per slot: the items it may not return (sorted), and how far through them the scan is. */
  readonly #exclude: (Int32Array | undefined)[];
  readonly #cursor: Int32Array;

  constructor(slots: number, k: number) {
    this.k = k;
    this.#score = new Float64Array(slots * k);
    this.#index = new Int32Array(slots * k);
    this.#size = new Int32Array(slots);
    this.#exclude = new Array<Int32Array | undefined>(slots).fill(undefined);
    this.#cursor = new Int32Array(slots);
  }

  /** Empties `slot` for a new query that may not return the (sorted) items in `exclude`. */
  reset(slot: number, exclude?: Int32Array): void {
    this.#size[slot] = 0;
    this.#exclude[slot] = exclude;
    this.#cursor[slot] = 0;
  }

  /**
   * Offers items itemBase + j for j < n, scores at scores[off + j]; items with mask[item] !== 0
   * are skipped. Calls for one slot must come in increasing item order.
   */
  offer(slot: number, scores: Float32Array, off: number, n: number, itemBase: number, mask: Uint8Array | undefined): void {
    const k = this.k;
    if (k === 0) return;
    const hs = this.#score;
    const hi = this.#index;
    const base = slot * k;
    const excl = this.#exclude[slot];
    const exclEnd = excl ? excl.length : 0;
    let cur = this.#cursor[slot];
    let size = this.#size[slot];
    let thr = size === k ? hs[base] : Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      const s = scores[off + j];
      if (size === k) {
        if (!(s > thr)) continue;
      } else if (s !== s) {
        continue;
      }
      const item = itemBase + j;
      if (mask !== undefined && mask[item] !== 0) continue;
      if (excl !== undefined) {
        while (cur < exclEnd && excl[cur] < item) cur++;
        if (cur < exclEnd && excl[cur] === item) continue;
      }
      if (size < k) {
        // Sift up: a new item has the highest index so far, so it is worse than any equal score.
        let pos = size++;
        while (pos > 0) {
          const parent = (pos - 1) >> 1;
          if (!(s <= hs[base + parent])) break;
          hs[base + pos] = hs[base + parent];
          hi[base + pos] = hi[base + parent];
          pos = parent;
        }
        hs[base + pos] = s;
        hi[base + pos] = item;
      } else {
        // Replace the root (the worst) and sift down; "worse" = lower score, or equal and higher index.
        let pos = 0;
        for (;;) {
          const l = pos * 2 + 1;
          if (l >= k) break;
          let m = l;
          const r = l + 1;
          if (r < k && (hs[base + r] < hs[base + l] || (hs[base + r] === hs[base + l] && hi[base + r] > hi[base + l]))) m = r;
          const ms = hs[base + m];
          if (!(ms < s || (ms === s && hi[base + m] > item))) break;
          hs[base + pos] = ms;
          hi[base + pos] = hi[base + m];
          pos = m;
        }
        hs[base + pos] = s;
        hi[base + pos] = item;
      }
      if (size === k) thr = hs[base];
    }
    this.#size[slot] = size;
    this.#cursor[slot] = cur;
  }

  /** A score an item must reach to be kept by `slot` (−∞ until it holds k). */
  threshold(slot: number): number {
    return this.k > 0 && this.#size[slot] === this.k ? this.#score[slot * this.k] : Number.NEGATIVE_INFINITY;
  }

  /**
   * offer() for the panels of 8 items whose flag is set (flags[flagOff + p] for panel p of the
   * chunk): a panel with no score ≥ threshold(slot) cannot change the slot and is never read.
   */
  offerFlagged(slot: number, scores: Float32Array, off: number, n: number, itemBase: number, mask: Uint8Array | undefined, flags: Uint8Array, flagOff: number): void {
    for (let p = 0, j = 0; j < n; p++, j += 8) {
      if (flags[flagOff + p] !== 0) this.offer(slot, scores, off + j, Math.min(8, n - j), itemBase + j, mask);
    }
  }

  /** The slot's items, best first (score descending, then lower index). */
  result(slot: number): Scored[] {
    const base = slot * this.k;
    const out: Scored[] = [];
    for (let j = 0; j < this.#size[slot]; j++) out.push({ index: this.#index[base + j], score: this.#score[base + j] });
    return out.sort((a, b) => b.score - a.score || a.index - b.index);
  }
}
