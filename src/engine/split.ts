// Train/test split per user: hold out a fraction of each user's interactions (at least one, for
// users with at least `minInteractions`), chosen at random with a seed, or the most recent ones
// when the data has timestamps. Training data keeps everything else.
import type { Dataset } from "./dataset.js";
import { mulberry32 } from "./random.js";

export interface Split {
  train: Dataset;
  /** Held-out item indices per user (empty for users not evaluated). */
  test: Int32Array[];
}

export function holdoutSplit(d: Dataset, opts: { fraction?: number; seed: number; minInteractions?: number; byTime?: boolean }): Split {
  const fraction = opts.fraction ?? 0.2;
  const min = opts.minInteractions ?? 3;
  const byTime = (opts.byTime ?? true) && d.timestamps !== undefined;
  const rng = mulberry32(opts.seed ^ 0x5eed);
  const nUsers = d.userIds.length;
  const keep = new Uint8Array(d.indices.length).fill(1);
  const test: Int32Array[] = new Array<Int32Array>(nUsers);
  for (let u = 0; u < nUsers; u++) {
    const start = d.indptr[u];
    const len = d.indptr[u + 1] - start;
    if (len < min) {
      test[u] = new Int32Array(0);
      continue;
    }
    const h = Math.max(1, Math.floor(len * fraction));
    const order = Array.from({ length: len }, (_, j) => start + j);
    if (byTime) {
      const ts = d.timestamps!;
      order.sort((a, b) => ts[b] - ts[a] || a - b); // newest first
    } else {
      for (let j = len - 1; j > 0; j--) {
        const r = Math.floor(rng() * (j + 1));
        [order[j], order[r]] = [order[r], order[j]];
      }
    }
    const held = order.slice(0, h);
    for (const k of held) keep[k] = 0;
    test[u] = Int32Array.from(held, (k) => d.indices[k]).sort();
  }
  const indptr = new Int32Array(nUsers + 1);
  let m = 0;
  const indices = new Int32Array(d.indices.length);
  const weights = new Float32Array(d.indices.length);
  for (let u = 0; u < nUsers; u++) {
    for (let k = d.indptr[u]; k < d.indptr[u + 1]; k++) {
      if (!keep[k]) continue;
      indices[m] = d.indices[k];
      weights[m] = d.weights[k];
      m++;
    }
    indptr[u + 1] = m;
  }
  return { train: { userIds: d.userIds, itemIds: d.itemIds, indptr, indices: indices.slice(0, m), weights: weights.slice(0, m), rows: m }, test };
}
