// The popularity blend: a model's score plus β·log(1 + popularity), with β chosen on a validation
// split carved from the training data (never on the holdout the training reports on).
//
// Why: on data with steep popularity and a weak taste signal there is little room above "most
// popular", and a pure model can rank below it (the data bank's steep-popularity shape: ALS 0.8×
// popularity). The blend lets the training's own validation decide how much popularity to mix in,
// from none (β = 0) to popularity with the model only breaking ties (β = ∞), so the defaults are
// never served worse than popularity without the training saying so.
import type { Dataset } from "./dataset.js";
import { AbortedError, type AbortFlag } from "./errors.js";
import { userMetrics } from "./metrics.js";
import type { Recommender } from "./model.js";
import { holdoutSplit, type Split } from "./split.js";
import { topK } from "./top-k.js";

/**
 * Blend weights tried, relative to the model's typical top score over log(1 + max popularity).
 * The last one (POPULARITY_WEIGHT) is popularity order with the model breaking near-ties.
 */
export const POPULARITY_WEIGHT = 1000;
// Dense between 0.1 and 0.5, where the bank's shapes put their optimum: on short-history the
// holdout NDCG of default ALS moves by 2–3 % from one step to the next there (1.68× popularity at
// 0.2, 1.64× at 0.3).
export const BLEND_GRID: readonly number[] = [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.75, 1, 1.5, 2.5, 5, POPULARITY_WEIGHT];

/** What the validation chose. */
export interface BlendChoice {
  /** The relative weight picked from BLEND_GRID. */
  weight: number;
  /** The absolute β added as β·log(1 + popularity) (0: the pure model). */
  beta: number;
  /** "model" (β = 0), "blend", or "popularity" (popularity order, the model breaking near-ties). */
  servedAs: "model" | "blend" | "popularity";
  /** NDCG@k on the validation users: pure model, the chosen blend, pure popularity. */
  validation: { model: number; chosen: number; popularity: number; users: number };
  /**
   * The chosen blend's NDCG@k per validation user, in a fixed user order (the same for every model
   * of one dataset and split), so two models can be compared user by user.
   */
  perUser: Float64Array;
}

/**
 * One interaction per user with ≥ 2 (the newest when the data has timestamps, as the holdout
 * does), held out of `train` for choosing β. Users with two interactions count: a model is
 * served to them too, and on short-history data they are most of the users (a validation of
 * long histories only chose parameters that lost on the holdout).
 */
export function validationSplit(train: Dataset, seed: number): Split {
  return holdoutSplit(train, { fraction: 1e-9, seed: seed ^ 0xba1a, minInteractions: 2 });
}

/** log(1 + popularity) per item: the blend's popularity term. */
export function logPopularity(popularity: Float32Array): Float32Array {
  return Float32Array.from(popularity, (p) => Math.log1p(p));
}

/**
 * Picks β on `validation` for the unblended recommender `rec` (trained without the validation
 * interactions). Scores at most `maxUsers` users (every n-th, deterministic).
 */
export function chooseBlend(rec: Recommender, validation: ArrayLike<Int32Array>, k: number, opts: { maxUsers?: number; signal?: AbortFlag } = {}): BlendChoice {
  const m = rec.model;
  const lp = logPopularity(m.popularity);
  const maxLp = lp.reduce((a, b) => Math.max(a, b), 0) || 1;
  const users: number[] = [];
  for (let u = 0; u < validation.length; u++) if (validation[u].length > 0) users.push(u);
  const maxUsers = opts.maxUsers ?? 3000;
  const stride = users.length > maxUsers ? users.length / maxUsers : 1;
  const picked = stride === 1 ? users : Array.from({ length: maxUsers }, (_, j) => users[Math.floor(j * stride)]);
  const n = rec.nItems;
  const mask = new Uint8Array(n);
  const blended = new Float64Array(n);
  const sums = new Float64Array(BLEND_GRID.length);
  const perUser = BLEND_GRID.map(() => new Float64Array(picked.length));
  let popularitySum = 0;
  // First pass: the model's typical top score, which sets the scale of β. Rows are scored again
  // in the second pass rather than kept: 3,000 rows of a 20,000-item catalogue are 240 MB.
  // A softmax model's scores are logits, the same ranking under any shift per user, so its top
  // is measured from the row's mean; ALS and kNN scores are 0 for "no evidence".
  const centred = m.algorithm === "sequential_softmax";
  let topSum = 0;
  for (const u of picked) {
    const s = rec.scores(u);
    setSeenMask(m.seenPtr, m.seenIdx, u, mask);
    let top = -Infinity;
    let sum = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (mask[i]) continue;
      if (s[i] > top) top = s[i];
      sum += s[i];
      count++;
    }
    clearSeenMask(m.seenPtr, m.seenIdx, u, mask);
    if (centred && count > 0) top -= sum / count;
    if (Number.isFinite(top)) topSum += Math.max(0, top);
  }
  const count = Math.max(1, picked.length);
  const scale = (topSum / Math.max(1, picked.length) || 1) / maxLp;
  picked.forEach((u, j) => {
    if ((j & 127) === 0 && opts.signal?.aborted) throw new AbortedError("aborted");
    const s = rec.scores(u);
    const rel = new Set(validation[u]);
    setSeenMask(m.seenPtr, m.seenIdx, u, mask);
    BLEND_GRID.forEach((g, c) => {
      const beta = g * scale;
      for (let i = 0; i < n; i++) blended[i] = s[i] + beta * lp[i];
      const ndcg = userMetrics(topK(blended, k, mask).map((x) => x.index), rel, k).ndcg;
      sums[c] += ndcg;
      perUser[c][j] = ndcg;
    });
    popularitySum += userMetrics(topK(m.popularity, k, mask).map((x) => x.index), rel, k).ndcg;
    clearSeenMask(m.seenPtr, m.seenIdx, u, mask);
  });
  let top = 0;
  for (let c = 1; c < BLEND_GRID.length; c++) if (sums[c] > sums[top]) top = c;
  // The one-standard-error rule: of the weights that score within one standard error of the best,
  // take the one closest to popularity, the simpler and safer ranking. A model that only looks
  // better than popularity by validation noise is not trusted over it. The error is that of the
  // per-user difference between the two weights (paired): the same users score both, and the
  // unpaired error of one mean, much wider, pushed every shape toward popularity (short-history:
  // ALS served 1.60× popularity instead of the 1.69× of the best weight).
  let best = top;
  for (let c = BLEND_GRID.length - 1; c > top; c--) {
    if (pairedGap(perUser[top], perUser[c]) <= 0) {
      best = c;
      break;
    }
  }
  const weight = BLEND_GRID[best];
  return {
    weight,
    beta: weight * scale,
    servedAs: weight === 0 ? "model" : weight === POPULARITY_WEIGHT ? "popularity" : "blend",
    validation: { model: sums[0] / count, chosen: sums[best] / count, popularity: popularitySum / count, users: picked.length },
    perUser: perUser[best],
  };
}

/** The per-item bias β·log(1 + popularity) a served model adds to its scores (none for β = 0). */
export function blendBias(beta: number, popularity: Float32Array): Float32Array | undefined {
  if (beta === 0) return undefined;
  return Float32Array.from(popularity, (p) => beta * Math.log1p(p));
}

/** mean(a − b) minus one standard error of it: > 0 when `a` beats `b` by more than noise. */
export function pairedGap(a: Float64Array, b: Float64Array): number {
  const n = Math.min(a.length, b.length);
  if (n < 2) return 0;
  let sum = 0;
  let squares = 0;
  for (let j = 0; j < n; j++) {
    const d = a[j] - b[j];
    sum += d;
    squares += d * d;
  }
  const mean = sum / n;
  return mean - Math.sqrt(Math.max(0, squares / n - mean * mean) / (n - 1));
}

function setSeenMask(ptr: Int32Array, idx: Int32Array, u: number, mask: Uint8Array): void {
  for (let k = ptr[u]; k < ptr[u + 1]; k++) mask[idx[k]] = 1;
}

function clearSeenMask(ptr: Int32Array, idx: Int32Array, u: number, mask: Uint8Array): void {
  for (let k = ptr[u]; k < ptr[u + 1]; k++) mask[idx[k]] = 0;
}
