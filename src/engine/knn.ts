// Item-item k nearest neighbours on cosine similarity of the item→user columns. Co-occurrences
// are accumulated through each item's users into a dense scratch row (no n² matrix), and only
// the top N neighbours per item are kept, as a sparse CSR.
import { AbortedError, InvalidParamsError, NumericOverflowError, type AbortFlag } from "./errors.js";
import type { Csr } from "./als.js";
import { topK } from "./top-k.js";

/** How interaction weights enter the similarities (see confidence.ts). */
export type KnnWeighting = "none" | "log" | "bm25" | "log-bm25";

export interface KnnParams {
  neighbors: number;
  shrinkage: number;
  weighting: KnnWeighting;
  /** BM25's saturation K1 and length normalisation B. */
  bm25K1: number;
  bm25B: number;
}

/** Chosen on the data bank: log-BM25 with B = 0.3 and 200 neighbours held ≥ 1.26× popularity on every non-steep shape. */
export const DEFAULT_KNN: KnnParams = { neighbors: 200, shrinkage: 0, weighting: "log-bm25", bm25K1: 100, bm25B: 0.3 };

export interface Neighbours {
  indptr: Int32Array;
  indices: Int32Array;
  scores: Float32Array;
}

/** `C` is user→item, `Ct` item→user (both with weights). */
export function trainItemKnn(C: Csr, Ct: Csr, nItems: number, params: KnnParams, onProgress?: (fraction: number) => void, signal?: AbortFlag): Neighbours {
  if (!(params.neighbors >= 1) || !(params.shrinkage >= 0)) throw new InvalidParamsError("kNN needs neighbors ≥ 1 and shrinkage ≥ 0");
  const norms = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    let s = 0;
    for (let k = Ct.indptr[i]; k < Ct.indptr[i + 1]; k++) s += Ct.weights[k] * Ct.weights[k];
    norms[i] = Math.sqrt(s);
    // Finite norms bound every similarity (|acc| ≤ ‖i‖·‖j‖), leaving 0/0 (an item whose weights
    // are all 0: no evidence) the only NaN, which top-k skips. Uploads bound the weights, but a
    // dataset stored before they did can hold Infinity: all its similarities would be NaN and
    // the model would silently have no neighbours.
    if (!Number.isFinite(s)) throw new NumericOverflowError(`item-kNN: an item's weights are not finite (item index ${i}, sum of squares ${s})`);
  }
  const acc = new Float64Array(nItems);
  const touched = new Int32Array(nItems);
  // Marks items already in `touched`: acc[j] === 0 can't, since zero weights leave acc at 0 and
  // would push j again (past nItems).
  const isTouched = new Uint8Array(nItems);
  const mask = new Uint8Array(nItems).fill(1);
  const sims = new Float64Array(nItems);
  const indptr = new Int32Array(nItems + 1);
  const idx: number[] = [];
  const sc: number[] = [];
  const step = Math.max(1, Math.floor(nItems / 20));
  for (let i = 0; i < nItems; i++) {
    if ((i & 255) === 0 && signal?.aborted) throw new AbortedError("aborted");
    let nTouched = 0;
    for (let k = Ct.indptr[i]; k < Ct.indptr[i + 1]; k++) {
      const u = Ct.indices[k];
      const wu = Ct.weights[k];
      for (let m = C.indptr[u]; m < C.indptr[u + 1]; m++) {
        const j = C.indices[m];
        if (j === i) continue;
        if (!isTouched[j]) {
          isTouched[j] = 1;
          touched[nTouched++] = j;
        }
        acc[j] += wu * C.weights[m];
      }
    }
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t];
      sims[j] = acc[j] / (norms[i] * norms[j] + params.shrinkage);
      mask[j] = 0;
    }
    for (const n of topK(sims, params.neighbors, mask)) {
      idx.push(n.index);
      sc.push(n.score);
    }
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t];
      acc[j] = 0;
      sims[j] = 0;
      mask[j] = 1;
      isTouched[j] = 0;
    }
    indptr[i + 1] = idx.length;
    if (onProgress && (i + 1) % step === 0) onProgress((i + 1) / nItems);
  }
  return { indptr, indices: Int32Array.from(idx), scores: Float32Array.from(sc) };
}
