// Implicit-feedback ALS (Hu, Koren & Volinsky 2008): confidence c = 1 + alpha·w, preference 1 for
// observed pairs and 0 elsewhere, L2 regularisation λ. Each half-sweep solves every row with a
// few conjugate-gradient steps warm-started from the previous factors, using only the row's
// nonzeros plus the shared Gram matrix YᵀY + λI (the `implicit` library's least_squares_cg).
// solveRange() works on a slice of rows so a sweep can be split across threads later.
import { AbortedError, InvalidParamsError, type AbortFlag } from "./errors.js";
import { gaussian, mulberry32 } from "./random.js";

export interface AlsParams {
  factors: number;
  iterations: number;
  regularization: number;
  alpha: number;
  cgSteps: number;
  seed: number;
}

export const DEFAULT_ALS: AlsParams = { factors: 64, iterations: 15, regularization: 0.01, alpha: 40, cgSteps: 3, seed: 42 };

export interface Csr {
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
}

export interface AlsProgress {
  iteration: number;
  iterations: number;
  loss: number;
  fraction: number;
}

/** Row-major Gram matrix YᵀY (+ reg on the diagonal) of an n×f factor matrix, in float64. */
export function gram(Y: Float32Array, n: number, f: number, reg: number): Float64Array {
  const G = new Float64Array(f * f);
  const row = new Float64Array(f);
  for (let i = 0; i < n; i++) {
    const o = i * f;
    for (let a = 0; a < f; a++) row[a] = Y[o + a];
    for (let a = 0; a < f; a++) {
      const ya = row[a];
      if (ya === 0) continue;
      const ga = a * f;
      for (let b = a; b < f; b++) G[ga + b] += ya * row[b];
    }
  }
  for (let a = 0; a < f; a++) {
    G[a * f + a] += reg;
    for (let b = a + 1; b < f; b++) G[b * f + a] = G[a * f + b];
  }
  return G;
}

/** Scratch buffers for one thread's solves. */
export interface CgScratch {
  r: Float64Array;
  p: Float64Array;
  ap: Float64Array;
  x: Float64Array;
}

export function cgScratch(f: number): CgScratch {
  return { r: new Float64Array(f), p: new Float64Array(f), ap: new Float64Array(f), x: new Float64Array(f) };
}

/**
 * Updates rows [from, to) of X (n×f) given the other side's factors Y and Gram G = YᵀY + λI.
 * `C` holds the rows' interactions (confidence from weights: 1 + alpha·w).
 */
export function solveRange(X: Float32Array, Y: Float32Array, G: Float64Array, C: Csr, f: number, alpha: number, cgSteps: number, from: number, to: number, s: CgScratch, signal?: AbortFlag): void {
  const { r, p, ap, x } = s;
  for (let u = from; u < to; u++) {
    if ((u & 1023) === 0 && signal?.aborted) throw new AbortedError("aborted");
    const start = C.indptr[u];
    const end = C.indptr[u + 1];
    const xo = u * f;
    for (let a = 0; a < f; a++) x[a] = X[xo + a];
    // r = b − A·x with A = G + Σ (c−1) y yᵀ and b = Σ c·y
    for (let a = 0; a < f; a++) {
      let acc = 0;
      const ga = a * f;
      for (let b = 0; b < f; b++) acc += G[ga + b] * x[b];
      r[a] = -acc;
    }
    for (let k = start; k < end; k++) {
      const yo = C.indices[k] * f;
      const c = 1 + alpha * C.weights[k];
      let dot = 0;
      for (let a = 0; a < f; a++) dot += Y[yo + a] * x[a];
      const coef = c - (c - 1) * dot;
      for (let a = 0; a < f; a++) r[a] += coef * Y[yo + a];
    }
    let rsold = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a];
      rsold += r[a] * r[a];
    }
    if (rsold < 1e-20) continue;
    for (let it = 0; it < cgSteps; it++) {
      for (let a = 0; a < f; a++) {
        let acc = 0;
        const ga = a * f;
        for (let b = 0; b < f; b++) acc += G[ga + b] * p[b];
        ap[a] = acc;
      }
      for (let k = start; k < end; k++) {
        const yo = C.indices[k] * f;
        const c1 = alpha * C.weights[k]; // c − 1
        let dot = 0;
        for (let a = 0; a < f; a++) dot += Y[yo + a] * p[a];
        const coef = c1 * dot;
        for (let a = 0; a < f; a++) ap[a] += coef * Y[yo + a];
      }
      let pap = 0;
      for (let a = 0; a < f; a++) pap += p[a] * ap[a];
      if (pap <= 0) break;
      const step = rsold / pap;
      let rsnew = 0;
      for (let a = 0; a < f; a++) {
        x[a] += step * p[a];
        r[a] -= step * ap[a];
        rsnew += r[a] * r[a];
      }
      if (rsnew < 1e-20) break;
      const beta = rsnew / rsold;
      for (let a = 0; a < f; a++) p[a] = r[a] + beta * p[a];
      rsold = rsnew;
    }
    for (let a = 0; a < f; a++) X[xo + a] = x[a];
  }
}

/**
 * The objective, normalised by the total confidence mass: Σ c (p − xᵀy)² over all pairs plus
 * λ(‖X‖² + ‖Y‖²). Unobserved pairs are summed in closed form through YᵀY.
 */
export function alsLoss(X: Float32Array, Y: Float32Array, C: Csr, nUsers: number, nItems: number, f: number, alpha: number, reg: number): number {
  const G = gram(Y, nItems, f, 0);
  let loss = 0;
  let confidenceMass = nUsers * nItems;
  const x = new Float64Array(f);
  for (let u = 0; u < nUsers; u++) {
    const xo = u * f;
    for (let a = 0; a < f; a++) x[a] = X[xo + a];
    let quad = 0;
    for (let a = 0; a < f; a++) {
      let acc = 0;
      const ga = a * f;
      for (let b = 0; b < f; b++) acc += G[ga + b] * x[b];
      quad += acc * x[a];
    }
    loss += quad;
    for (let k = C.indptr[u]; k < C.indptr[u + 1]; k++) {
      const yo = C.indices[k] * f;
      let s = 0;
      for (let a = 0; a < f; a++) s += Y[yo + a] * x[a];
      const c = 1 + alpha * C.weights[k];
      loss += c * (1 - s) * (1 - s) - s * s;
      confidenceMass += c - 1;
    }
  }
  let norms = 0;
  for (let k = 0; k < X.length; k++) norms += X[k] * X[k];
  for (let k = 0; k < Y.length; k++) norms += Y[k] * Y[k];
  return (loss + reg * norms) / confidenceMass;
}

export interface AlsFactors {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  losses: number[];
}

/** Fits ALS on user→item `C` and its transpose `Ct`. Deterministic for a seed. */
export function trainAls(C: Csr, Ct: Csr, nUsers: number, nItems: number, params: AlsParams, onProgress?: (p: AlsProgress) => void, signal?: AbortFlag, onFactors?: (X: Float32Array, Y: Float32Array) => void): AlsFactors {
  const { factors: f, iterations, regularization: reg, alpha, cgSteps } = params;
  if (!(f >= 1 && iterations >= 1 && reg >= 0 && alpha >= 0 && cgSteps >= 1)) throw new InvalidParamsError("ALS needs factors ≥ 1, iterations ≥ 1, cg_steps ≥ 1, regularization ≥ 0, alpha ≥ 0");
  const rng = mulberry32(params.seed);
  // Small random init, as in `implicit` (scaled by 0.01 so early dot products are tiny).
  const X = new Float32Array(nUsers * f);
  const Y = new Float32Array(nItems * f);
  for (let k = 0; k < X.length; k++) X[k] = gaussian(rng) * 0.01;
  for (let k = 0; k < Y.length; k++) Y[k] = gaussian(rng) * 0.01;
  onFactors?.(X, Y);
  const scratch = cgScratch(f);
  const losses: number[] = [];
  for (let it = 1; it <= iterations; it++) {
    solveRange(X, Y, gram(Y, nItems, f, reg), C, f, alpha, cgSteps, 0, nUsers, scratch, signal);
    solveRange(Y, X, gram(X, nUsers, f, reg), Ct, f, alpha, cgSteps, 0, nItems, scratch, signal);
    const loss = alsLoss(X, Y, C, nUsers, nItems, f, alpha, reg);
    losses.push(loss);
    onProgress?.({ iteration: it, iterations, loss, fraction: it / iterations });
  }
  return { userFactors: X, itemFactors: Y, losses };
}
