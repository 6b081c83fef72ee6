// Offline evaluation: ranking metrics of a model on held-out interactions, always next to the
// popularity baseline on exactly the same users, candidates and exclusions.
//
// It runs on every holdout user (TrainModel, each TuneModel trial, Evaluate), so it avoids the
// per-user O(nItems) work of recommend()/popular(): ALS users are scored in blocks
// (Recommender.recommendMany; one query at a time wastes 3/4 of the 4 × 8 kernel), and popularity
// is one ordering of all items walked per user past the user's seen items. Both give exactly the
// lists recommend() and popular() give, so the metrics are the same.
import { MetricsAccumulator } from "./metrics.js";
import { isFactorModel, type Model, type Recommender } from "./model.js";
import { AbortedError, type AbortFlag } from "./errors.js";
import type { Scored } from "./top-k.js";

export interface Evaluation {
  k: number;
  users: number;
  metrics: Record<string, number>;
  baseline: Record<string, number>;
}

/** Users between abort checks, and per recommendMany call (a few of the scorer's blocks). */
const SLICE = 256;

/**
 * Top-k of many users of an ALS model at once, seen items excluded, the model's item bias added,
 * emitted in row order: the same lists as Recommender.recommendMany, computed elsewhere (the
 * worker splits them over a team of threads, src/worker/scoring-team.ts). Returns false to
 * decline (e.g. too few rows to be worth the threads): the evaluation then scores them itself. An
 * aborted `signal` stops it early, without an error.
 */
export type ManyTopK = (model: Model, rows: Int32Array, k: number, signal: AbortFlag | undefined, onRow: (j: number, top: Scored[] | undefined) => void) => boolean;

/**
 * `test[u]` holds the relevant item indices of model user u (empty: not evaluated). Items the
 * user saw in training are excluded from recommendations (and so from relevance).
 */
export function evaluateRecommender(rec: Recommender, test: ArrayLike<Int32Array>, k: number, opts: { maxUsers?: number; signal?: AbortFlag; onProgress?: (fraction: number) => void; manyTopK?: ManyTopK } = {}): Evaluation {
  const model = new MetricsAccumulator(k, rec.nItems);
  const baseline = new MetricsAccumulator(k, rec.nItems);
  const users: number[] = [];
  for (let u = 0; u < test.length; u++) if (test[u].length > 0) users.push(u);
  // A deterministic subsample (every n-th user) when asked for a quick estimate.
  const stride = opts.maxUsers && users.length > opts.maxUsers ? users.length / opts.maxUsers : 1;
  const picked = stride === 1 ? users : Array.from({ length: opts.maxUsers! }, (_, j) => users[Math.floor(j * stride)]);
  const step = Math.max(1, Math.floor(picked.length / 10));
  const popular = popularUnseen(rec.model, k);
  // The popularity algorithm recommends exactly the baseline's list.
  const isPopularity = rec.model.algorithm === "popularity";
  const o = { excludeSeen: true };
  const add = (j: number, top: ArrayLike<number> | undefined): void => {
    const u = picked[j];
    const rel = new Set(test[u]);
    const base = popular(u);
    model.add(top ?? base, rel);
    baseline.add(base, rel);
    if (opts.onProgress && (j + 1) % step === 0) opts.onProgress((j + 1) / picked.length);
  };
  const result = (): Evaluation => ({ k, users: model.users, metrics: model.result(), baseline: baseline.result() });
  if (isFactorModel(rec.model.algorithm) && opts.manyTopK) {
    if (opts.signal?.aborted) throw new AbortedError("aborted");
    if (opts.manyTopK(rec.model, Int32Array.from(picked), k, opts.signal, (j, top) => add(j, top?.map((s) => s.index)))) {
      if (opts.signal?.aborted) throw new AbortedError("aborted");
      return result();
    }
  }
  for (let from = 0; from < picked.length; from += SLICE) {
    if (opts.signal?.aborted) throw new AbortedError("aborted");
    const to = Math.min(picked.length, from + SLICE);
    // item_knn has no block path: recommendMany answers it user by user with recommend().
    if (isPopularity) for (let j = from; j < to; j++) add(j, undefined);
    else rec.recommendMany(picked, k, o, (j, top) => add(j, top.map((s) => s.index)), from, to);
  }
  return result();
}

/**
 * popular(k, { excludeSeen: true }, u) as a function of u, in O(k + seen items) per call: all
 * items ordered once as topK orders them (higher popularity first, the lower index on ties, NaN
 * never), then walked past the user's seen items.
 */
export function popularUnseen(m: Pick<Model, "popularity" | "seenPtr" | "seenIdx">, k: number): (u: number) => number[] {
  const pop = m.popularity;
  const order = Int32Array.from({ length: pop.length }, (_, i) => i)
    .filter((i) => !Number.isNaN(pop[i]))
    .sort((a, b) => (pop[a] > pop[b] ? -1 : pop[a] < pop[b] ? 1 : a - b));
  const seen = new Uint8Array(pop.length);
  return (u) => {
    const from = m.seenPtr[u];
    const to = m.seenPtr[u + 1];
    for (let t = from; t < to; t++) seen[m.seenIdx[t]] = 1;
    const out: number[] = [];
    for (let r = 0; r < order.length && out.length < k; r++) if (seen[order[r]] === 0) out.push(order[r]);
    for (let t = from; t < to; t++) seen[m.seenIdx[t]] = 0;
    return out;
  };
}
