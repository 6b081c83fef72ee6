// Offline evaluation: ranking metrics of a model on held-out interactions, always next to the
// popularity baseline on exactly the same users, candidates and exclusions.
import { MetricsAccumulator } from "./metrics.js";
import type { Recommender } from "./model.js";
import { AbortedError, type AbortFlag } from "./errors.js";

export interface Evaluation {
  k: number;
  users: number;
  metrics: Record<string, number>;
  baseline: Record<string, number>;
}

/**
 * `test[u]` holds the relevant item indices of model user u (empty: not evaluated). Items the
 * user saw in training are excluded from recommendations (and so from relevance).
 */
export function evaluateRecommender(rec: Recommender, test: ArrayLike<Int32Array>, k: number, opts: { maxUsers?: number; signal?: AbortFlag; onProgress?: (fraction: number) => void } = {}): Evaluation {
  const model = new MetricsAccumulator(k, rec.nItems);
  const baseline = new MetricsAccumulator(k, rec.nItems);
  const users: number[] = [];
  for (let u = 0; u < test.length; u++) if (test[u].length > 0) users.push(u);
  // A deterministic subsample (every n-th user) when asked for a quick estimate.
  const stride = opts.maxUsers && users.length > opts.maxUsers ? users.length / opts.maxUsers : 1;
  const picked = stride === 1 ? users : Array.from({ length: opts.maxUsers! }, (_, j) => users[Math.floor(j * stride)]);
  const step = Math.max(1, Math.floor(picked.length / 10));
  picked.forEach((u, j) => {
    if ((j & 255) === 0 && opts.signal?.aborted) throw new AbortedError("aborted");
    const rel = new Set(test[u]);
    const o = { excludeSeen: true };
    model.add(rec.recommend(u, k, o).map((s) => s.index), rel);
    baseline.add(rec.popular(k, o, u).map((s) => s.index), rel);
    if (opts.onProgress && (j + 1) % step === 0) opts.onProgress((j + 1) / picked.length);
  });
  return { k, users: model.users, metrics: model.result(), baseline: baseline.result() };
}
