// How raw interaction weights (counts, plays, ratings) become the strengths the models see.
// Hu, Koren & Volinsky give two confidence scalings for implicit feedback: linear c = 1 + α·w
// and logarithmic c = 1 + α·log(1 + w/ε). Linear lets one user's 10⁴ plays drown everyone else's
// single clicks (measured on the data bank's heavy-counts shape: ALS fell to 0.7× popularity);
// the log keeps the order of the counts and bounds their spread, so it is the default.
// BM25 (as the `implicit` library weights item-kNN) additionally discounts popular items (idf)
// and normalises each user's total weight (length), so heavy users don't dominate similarities.
import type { Csr } from "./als.js";

export type ConfidenceScaling = "linear" | "log";

/**
 * The interaction strengths ALS multiplies by α: `w` (linear) or log(1 + w/ε) (log). Returns `C`
 * itself when nothing changes.
 */
export function scaleWeights<T extends Csr>(C: T, scaling: ConfidenceScaling, epsilon: number): T {
  if (scaling === "linear") return C;
  const weights = new Float32Array(C.weights.length);
  for (let k = 0; k < weights.length; k++) weights[k] = Math.log1p(C.weights[k] / epsilon);
  return { ...C, weights };
}

/**
 * BM25 weights of user→item interactions: w·(K1 + 1)/(K1·len_u + w) · idf_i, with
 * len_u = 1 − B + B·(user's total weight / mean total) and idf_i = log(nUsers / (1 + users of i)),
 * floored at a small positive value so an item everyone has still counts a little.
 */
export function bm25Weights<T extends Csr>(C: T, nUsers: number, nItems: number, k1: number, b: number): T {
  const counts = new Float64Array(nItems);
  for (let k = 0; k < C.indices.length; k++) counts[C.indices[k]]++;
  const idf = Float64Array.from(counts, (c) => Math.max(0.05, Math.log(nUsers / (1 + c))));
  const totals = new Float64Array(nUsers);
  let sum = 0;
  for (let u = 0; u < nUsers; u++) {
    for (let k = C.indptr[u]; k < C.indptr[u + 1]; k++) totals[u] += C.weights[k];
    sum += totals[u];
  }
  const mean = sum / Math.max(1, nUsers) || 1;
  const weights = new Float32Array(C.weights.length);
  for (let u = 0; u < nUsers; u++) {
    const len = 1 - b + (b * totals[u]) / mean;
    for (let k = C.indptr[u]; k < C.indptr[u + 1]; k++) {
      const w = C.weights[k];
      weights[k] = ((w * (k1 + 1)) / (k1 * len + w)) * idf[C.indices[k]];
    }
  }
  return { ...C, weights };
}
