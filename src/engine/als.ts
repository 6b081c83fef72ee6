// Implicit-feedback ALS (Hu, Koren & Volinsky 2008): confidence c = 1 + alpha·w, preference 1 for
// observed pairs and 0 elsewhere, L2 regularisation λ. Each half-sweep solves every row with a
// few conjugate-gradient steps warm-started from the previous factors, using only the row's
// nonzeros plus the shared Gram matrix YᵀY + λI (the `implicit` library's least_squares_cg).
// solveRange() works on a slice of rows so a sweep can be split across threads later.
import { AbortedError, InvalidParamsError, NumericOverflowError, type AbortFlag } from "./errors.js";
import { gaussian, mulberry32 } from "./random.js";
import { newKernel, simdKernelFits } from "./als-kernel.js";

/** Which sparse kernel solveRange uses: WebAssembly SIMD when f fits (auto), or always one. */
export type AlsKernelChoice = "auto" | "simd" | "js";

export interface AlsParams {
  factors: number;
  iterations: number;
  regularization: number;
  alpha: number;
  cgSteps: number;
  seed: number;
}

/**
 * Defaults chosen on the data bank (src/engine/data-bank.ts: five shapes, each with its own holdout),
 * together with log confidence scaling (train.ts): 16 factors, λ = 3, α = 1 held ≥ 1.55× popularity
 * NDCG@10 on every shape but the steep one for two seeds. The old 64 / 0.01 / 40 with linear
 * confidence lost to popularity on heavy counts (0.7×) and short histories (0.68×).
 */
export const DEFAULT_ALS: AlsParams = { factors: 16, iterations: 15, regularization: 3, alpha: 1, cgSteps: 3, seed: 42 };

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
  gramRange(Y, n, f, 0, f, G);
  finishGram(G, f, reg);
  return G;
}

/**
 * Rows [aFrom, aTo) of the upper triangle of YᵀY, into G (zeroed first). Each entry sums over the
 * rows of Y in the same order whatever the range, so splitting `a` across threads gives the same
 * bits as one thread.
 */
export function gramRange(Y: Float32Array, n: number, f: number, aFrom: number, aTo: number, G: Float64Array): void {
  for (let a = aFrom; a < aTo; a++) G.fill(0, a * f + a, a * f + f);
  const row = new Float64Array(f);
  for (let i = 0; i < n; i++) {
    const o = i * f;
    for (let a = aFrom; a < f; a++) row[a] = Y[o + a];
    for (let a = aFrom; a < aTo; a++) {
      const ya = row[a];
      if (ya === 0) continue;
      const ga = a * f;
      for (let b = a; b < f; b++) G[ga + b] += ya * row[b];
    }
  }
}

/** Mirrors the upper triangle and adds `reg` on the diagonal. */
export function finishGram(G: Float64Array, f: number, reg: number): void {
  for (let a = 0; a < f; a++) {
    G[a * f + a] += reg;
    for (let b = a + 1; b < f; b++) G[b * f + a] = G[a * f + b];
  }
}

/** Boundaries of `parts` ranges of Gram rows with about equal work (row a costs f − a). */
export function gramSplit(f: number, parts: number): number[] {
  const bounds = [0];
  const total = (f * (f + 1)) / 2;
  let acc = 0;
  for (let a = 0; a < f && bounds.length < parts; a++) {
    acc += f - a;
    if (acc >= (total * bounds.length) / parts) bounds.push(a + 1);
  }
  while (bounds.length < parts) bounds.push(f);
  bounds.push(f);
  return bounds;
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

// Hot kernels. V8 does not vectorise, so the loops are unrolled by 8 with independent
// accumulators; a tail loop handles factor counts that are not multiples of 8. Each kernel sees a
// single typed-array type per argument (monomorphic element loads): a shared Float32|Float64
// kernel measured 1.5× slower. Small enough for V8 to inline (bench/engine measures them).

/** Σ Y[yo+a]·v[a] for a < f: a float32 factor row times a float64 vector. */
function dotRow(Y: Float32Array, yo: number, v: Float64Array, f: number): number {
  let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
  const f8 = f - (f & 7);
  let a = 0;
  for (; a < f8; a += 8) {
    const i = yo + a;
    d0 += Y[i] * v[a] + Y[i + 4] * v[a + 4];
    d1 += Y[i + 1] * v[a + 1] + Y[i + 5] * v[a + 5];
    d2 += Y[i + 2] * v[a + 2] + Y[i + 6] * v[a + 6];
    d3 += Y[i + 3] * v[a + 3] + Y[i + 7] * v[a + 7];
  }
  for (; a < f; a++) d0 += Y[yo + a] * v[a];
  return d0 + d1 + d2 + d3;
}

/** Σ A[ao+a]·B[bo+a] for a < f, both float32 factor rows (scoring, similarities). */
export function dotFactors(A: Float32Array, ao: number, B: Float32Array, bo: number, f: number): number {
  let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
  const f8 = f - (f & 7);
  let a = 0;
  for (; a < f8; a += 8) {
    const i = ao + a;
    const j = bo + a;
    d0 += A[i] * B[j] + A[i + 4] * B[j + 4];
    d1 += A[i + 1] * B[j + 1] + A[i + 5] * B[j + 5];
    d2 += A[i + 2] * B[j + 2] + A[i + 6] * B[j + 6];
    d3 += A[i + 3] * B[j + 3] + A[i + 7] * B[j + 7];
  }
  for (; a < f; a++) d0 += A[ao + a] * B[bo + a];
  return d0 + d1 + d2 + d3;
}

/** out[a] += c·Y[yo+a] for a < f. */
function axpyRow(c: number, Y: Float32Array, yo: number, out: Float64Array, f: number): void {
  const f8 = f - (f & 7);
  let a = 0;
  for (; a < f8; a += 8) {
    const i = yo + a;
    out[a] += c * Y[i];
    out[a + 1] += c * Y[i + 1];
    out[a + 2] += c * Y[i + 2];
    out[a + 3] += c * Y[i + 3];
    out[a + 4] += c * Y[i + 4];
    out[a + 5] += c * Y[i + 5];
    out[a + 6] += c * Y[i + 6];
    out[a + 7] += c * Y[i + 7];
  }
  for (; a < f; a++) out[a] += c * Y[yo + a];
}

/** Σ A[ao+a]·v[a] for a < f, all float64 (Gram rows, CG vectors). */
function dot64(A: Float64Array, ao: number, v: Float64Array, f: number): number {
  let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
  const f8 = f - (f & 7);
  let a = 0;
  for (; a < f8; a += 8) {
    const i = ao + a;
    d0 += A[i] * v[a] + A[i + 4] * v[a + 4];
    d1 += A[i + 1] * v[a + 1] + A[i + 5] * v[a + 5];
    d2 += A[i + 2] * v[a + 2] + A[i + 6] * v[a + 6];
    d3 += A[i + 3] * v[a + 3] + A[i + 7] * v[a + 7];
  }
  for (; a < f; a++) d0 += A[ao + a] * v[a];
  return d0 + d1 + d2 + d3;
}

/** out = G·v for the f×f row-major G. */
function symv(G: Float64Array, v: Float64Array, out: Float64Array, f: number): void {
  for (let a = 0; a < f; a++) out[a] = dot64(G, a * f, v, f);
}

/**
 * One pass over a row's nonzeros k ∈ [start, end) with confidence c = 1 + α·w:
 * out += Σ (c−1)(yᵀv)·y (the sparse part of A·v), or, with `residual`, out += Σ (c − (c−1)(yᵀv))·y
 * (b − the sparse part of A·v). Kept apart from solveRange so V8 inlines the two kernels here:
 * in one big function the cumulative inlining budget runs out and they become calls.
 */
function sparsePass(Y: Float32Array, indices: Int32Array, weights: Float32Array, start: number, end: number, alpha: number, v: Float64Array, out: Float64Array, f: number, residual: boolean): void {
  for (let k = start; k < end; k++) {
    const yo = indices[k] * f;
    const c1 = alpha * weights[k];
    const d = dotRow(Y, yo, v, f);
    axpyRow(residual ? 1 + c1 - c1 * d : c1 * d, Y, yo, out, f);
  }
}

/**
 * Updates rows [from, to) of X (n×f) given the other side's factors Y and Gram G = YᵀY + λI.
 * `C` holds the rows' interactions (confidence from weights: 1 + alpha·w).
 */
export function solveRange(X: Float32Array, Y: Float32Array, G: Float64Array, C: Csr, f: number, alpha: number, cgSteps: number, from: number, to: number, s: CgScratch, signal?: AbortFlag, kernel: AlsKernelChoice = "auto"): void {
  const { r, p, ap, x } = s;
  const { indptr, indices, weights } = C;
  // The choice depends only on f and the runtime, so every thread of a team makes the same one
  // and the factors stay identical however the rows are split.
  const simd = kernel === "simd" || (kernel === "auto" && simdKernelFits(f)) ? newKernel(f) : undefined;
  simd?.load(Y, indices, weights, indptr[from], indptr[to], f);
  const pass = simd
    ? (start: number, end: number, v: Float64Array, out: Float64Array, residual: boolean): void => simd.pass(start, end, alpha, v, out, residual)
    : (start: number, end: number, v: Float64Array, out: Float64Array, residual: boolean): void => sparsePass(Y, indices, weights, start, end, alpha, v, out, f, residual);
  for (let u = from; u < to; u++) {
    if ((u & 1023) === 0 && signal?.aborted) throw new AbortedError("aborted");
    const start = indptr[u];
    const end = indptr[u + 1];
    const xo = u * f;
    for (let a = 0; a < f; a++) x[a] = X[xo + a];
    // r = b − A·x with A = G + Σ (c−1) y yᵀ and b = Σ c·y
    symv(G, x, r, f);
    for (let a = 0; a < f; a++) r[a] = -r[a];
    pass(start, end, x, r, true);
    let rsold = dot64(r, 0, r, f);
    if (rsold < 1e-20) continue;
    p.set(r);
    for (let it = 0; it < cgSteps; it++) {
      symv(G, p, ap, f);
      pass(start, end, p, ap, false);
      const pap = dot64(p, 0, ap, f);
      if (pap <= 0) break;
      const step = rsold / pap;
      for (let a = 0; a < f; a++) {
        x[a] += step * p[a];
        r[a] -= step * ap[a];
      }
      const rsnew = dot64(r, 0, r, f);
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
  return lossFromGrams(observedLossRange(X, Y, C, f, alpha, 0, nUsers), gram(X, nUsers, f, 0), gram(Y, nItems, f, 0), nUsers, nItems, f, reg);
}

/**
 * alsLoss given GX = XᵀX and GY = YᵀY (no ridge), which training has at hand: Σ_u xᵤᵀ·GY·xᵤ is
 * ⟨GX, GY⟩ and ‖X‖² + ‖Y‖² is tr GX + tr GY, so only the observed pairs need a pass.
 */
function lossFromGrams(observed: ObservedLoss, GX: Float64Array, GY: Float64Array, nUsers: number, nItems: number, f: number, reg: number): number {
  let loss = observed.loss;
  let norms = 0;
  for (let k = 0; k < f * f; k++) loss += GX[k] * GY[k];
  for (let a = 0; a < f; a++) norms += GX[a * f + a] + GY[a * f + a];
  return (loss + reg * norms) / (nUsers * nItems + observed.extraMass);
}

/** The observed pairs' share of the loss: Σ c(1 − s)² − s² and the extra confidence mass Σ (c − 1). */
export interface ObservedLoss {
  loss: number;
  extraMass: number;
}

/** ObservedLoss over users [from, to). */
export function observedLossRange(X: Float32Array, Y: Float32Array, C: Csr, f: number, alpha: number, from: number, to: number): ObservedLoss {
  let loss = 0;
  let extraMass = 0;
  const { indptr, indices, weights } = C;
  const x = new Float64Array(f);
  for (let u = from; u < to; u++) {
    const xo = u * f;
    for (let a = 0; a < f; a++) x[a] = X[xo + a];
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      const s = dotRow(Y, indices[k] * f, x, f);
      const c1 = alpha * weights[k];
      loss += (1 + c1) * (1 - s) * (1 - s) - s * s;
      extraMass += c1;
    }
  }
  return { loss, extraMass };
}

/** G + λI, as a new matrix. */
function withRidge(G: Float64Array, f: number, reg: number): Float64Array {
  const out = G.slice();
  for (let a = 0; a < f; a++) out[a * f + a] += reg;
  return out;
}

export interface AlsFactors {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  losses: number[];
}

/** One ALS problem: the interactions both ways, the factor matrices and the solver settings. */
export interface AlsProblem {
  C: Csr;
  Ct: Csr;
  nUsers: number;
  nItems: number;
  X: Float32Array;
  Y: Float32Array;
  f: number;
  alpha: number;
  cgSteps: number;
}

/**
 * Runs the row-parallel parts of ALS. Rows are independent given G, so any split of the rows
 * gives bit-identical factors: a thread team (src/worker/als-team.ts) and the serial default
 * produce the same model for a seed. Only the order of the loss's partial sums differs.
 */
export interface AlsExecutor {
  /** Float32 storage for the factors (SharedArrayBuffer-backed for a thread team). */
  alloc(length: number): Float32Array;
  /** Solves every row of one side (users: X from Y; items: Y from X) given G = other side's Gram + λI. */
  solve(problem: AlsProblem, side: "users" | "items", G: Float64Array, signal?: AbortFlag): void;
  /** XᵀX (users) or YᵀY (items), without λ: bit-identical however it is split. */
  gram(problem: AlsProblem, side: "users" | "items"): Float64Array;
  observedLoss(problem: AlsProblem): ObservedLoss;
}

/** Everything on the calling thread. */
export const serialAls: AlsExecutor = {
  alloc: (length) => new Float32Array(length),
  gram: (p, side) => (side === "users" ? gram(p.X, p.nUsers, p.f, 0) : gram(p.Y, p.nItems, p.f, 0)),
  solve(p, side, G, signal) {
    const scratch = cgScratch(p.f);
    if (side === "users") solveRange(p.X, p.Y, G, p.C, p.f, p.alpha, p.cgSteps, 0, p.nUsers, scratch, signal);
    else solveRange(p.Y, p.X, G, p.Ct, p.f, p.alpha, p.cgSteps, 0, p.nItems, scratch, signal);
  },
  observedLoss: (p) => observedLossRange(p.X, p.Y, p.C, p.f, p.alpha, 0, p.nUsers),
};

/** Row boundaries splitting rows [0, n) into `parts` slices of about equal work (nonzeros plus a per-row cost). */
export function balancedSplit(indptr: Int32Array, parts: number, rowCost: number): number[] {
  const n = indptr.length - 1;
  const total = indptr[n] + n * rowCost;
  const bounds = [0];
  let row = 0;
  for (let p = 1; p < parts; p++) {
    const target = (total * p) / parts;
    while (row < n && indptr[row] + row * rowCost < target) row++;
    bounds.push(row);
  }
  bounds.push(n);
  return bounds;
}

export interface TrainAlsOptions {
  onProgress?: (p: AlsProgress) => void;
  signal?: AbortFlag;
  /** Called once with the factor arrays (updated in place), e.g. for a live evaluation. */
  onFactors?: (X: Float32Array, Y: Float32Array) => void;
  /** Who solves the rows; the serial default runs on the calling thread. */
  executor?: AlsExecutor;
}

/**
 * Throws NumericOverflowError when the loss or any factor is NaN or ±Infinity. Conjugate gradient
 * on a badly conditioned row (α·w huge next to λ) can blow up, most readily in the float32 SIMD
 * kernel, and a model with such factors scores every item NaN: it would recommend nothing. Once
 * a factor is NaN every later sweep spreads it, so stopping at the first bad iteration is exact.
 */
function checkFinite(loss: number, X: Float32Array, Y: Float32Array, iteration: number, iterations: number): void {
  const where = `at iteration ${iteration} of ${iterations}`;
  if (!Number.isFinite(loss)) throw new NumericOverflowError(`ALS diverged ${where}: the loss is ${loss}; ${DIVERGENCE_REMEDY}`);
  assertFiniteFactors(X, "user", where);
  assertFiniteFactors(Y, "item", where);
}

const DIVERGENCE_REMEDY = "lower alpha, the weights or cg_steps, or raise regularization";

/** Throws NumericOverflowError, saying `where` the solve was, if a factor of `A` is NaN or ±Infinity. */
export function assertFiniteFactors(A: Float32Array, side: "user" | "item", where: string): void {
  for (let k = 0; k < A.length; k++) {
    if (!Number.isFinite(A[k])) throw new NumericOverflowError(`ALS diverged ${where}: a ${side} factor is ${A[k]}; ${DIVERGENCE_REMEDY}`);
  }
}

/** Fits ALS on user→item `C` and its transpose `Ct`. Deterministic for a seed, whatever the executor. */
export function trainAls(C: Csr, Ct: Csr, nUsers: number, nItems: number, params: AlsParams, opts: TrainAlsOptions = {}): AlsFactors {
  const { factors: f, iterations, regularization: reg, alpha, cgSteps } = params;
  if (!(f >= 1 && iterations >= 1 && reg >= 0 && alpha >= 0 && cgSteps >= 1)) throw new InvalidParamsError("ALS needs factors ≥ 1, iterations ≥ 1, cg_steps ≥ 1, regularization ≥ 0, alpha ≥ 0");
  const exec = opts.executor ?? serialAls;
  const rng = mulberry32(params.seed);
  // Small random init, as in `implicit` (scaled by 0.01 so early dot products are tiny).
  const X = exec.alloc(nUsers * f);
  const Y = exec.alloc(nItems * f);
  for (let k = 0; k < X.length; k++) X[k] = gaussian(rng) * 0.01;
  for (let k = 0; k < Y.length; k++) Y[k] = gaussian(rng) * 0.01;
  opts.onFactors?.(X, Y);
  const problem: AlsProblem = { C, Ct, nUsers, nItems, X, Y, f, alpha, cgSteps };
  const losses: number[] = [];
  // Gram matrices are split by entry, not by row of X/Y: summing per-thread partials would change
  // the rounding and with it the factors.
  let GY = exec.gram(problem, "items");
  for (let it = 1; it <= iterations; it++) {
    exec.solve(problem, "users", withRidge(GY, f, reg), opts.signal);
    const GX = exec.gram(problem, "users");
    exec.solve(problem, "items", withRidge(GX, f, reg), opts.signal);
    GY = exec.gram(problem, "items");
    const loss = lossFromGrams(exec.observedLoss(problem), GX, GY, nUsers, nItems, f, reg);
    checkFinite(loss, X, Y, it, iterations);
    losses.push(loss);
    opts.onProgress?.({ iteration: it, iterations, loss, fraction: it / iterations });
  }
  return { userFactors: X, itemFactors: Y, losses };
}
