// Sequential softmax matrix factorisation: each user's training items, in time order, are draws
// without replacement from softmax(xᵤ·yⱼ + cⱼ) over the items not drawn yet — the Plackett-Luce
// model of a ranking (Plackett 1975, Luce 1959) with a factorised utility. Fitted by full-batch
// L-BFGS (lbfgs.ts) on the exact MAP objective
//   loss = −Σᵤ Σₜ [ l(u, iₜ) − log Σ_{j not drawn before t} exp l(u, j) ] + λu/2‖X‖² + λv/2‖Y‖² + 0.01/2‖c‖²
// The offline research that chose it (bench/analysis/model-class-research.md) found it the only
// model class above ALS on the data bank's short histories (1.86× popularity NDCG@10 vs 1.70×).
//
// Gradient (the research note's): with Eᵤⱼ = exp(lᵤⱼ − maxⱼ lᵤⱼ), Zₜ the mass not drawn at step t
// and Rⱼ = Σ_{t ≤ step of j} 1/Zₜ (all steps for an undrawn j), ∂loss/∂lᵤⱼ = Eᵤⱼ·Rⱼ − [j drawn].
// Zₜ is the directly summed mass of the never-drawn items plus a suffix sum of the user's drawn
// ones, never a total minus a running prefix: that cancels when the draws hold nearly all the
// mass, and stalled L-BFGS in the research. Logits and the dense products are float32 (the SIMD
// kernel, softmax-kernel.ts); the loss, Z and 1/Z sums are float64.
//
// Work is split into a fixed number of user blocks whatever the executor: each block's item
// gradients are accumulated on their own and summed in block order, so a thread team
// (src/worker/softmax-team.ts) gives the same bits as one thread.
import { InvalidParamsError, NumericOverflowError, type AbortFlag } from "./errors.js";
import type { Dataset } from "./dataset.js";
import { lbfgs } from "./lbfgs.js";
import { gaussian, mulberry32 } from "./random.js";
import { newSoftmaxKernel, type SoftmaxKernel } from "./softmax-kernel.js";

/**
 * Which of a user's items the model reads as drawn first, i.e. preferred most. "oldest-first": the
 * order of the timestamps (the data bank's short-history shape is generated that way); "newest-first":
 * the reverse, for data where what a user did last says most about what comes next (a walk
 * through a catalogue, episodes of a series: there oldest-first ranks the next item last);
 * "none": a seeded random order, the order ignored. Data without timestamps is always "none".
 */
export type DrawOrder = "oldest-first" | "newest-first" | "none";

export interface SoftmaxParams {
  factors: number;
  iterations: number;
  userRegularization: number;
  itemRegularization: number;
  order: DrawOrder;
  seed: number;
}

/**
 * The research's choice (d 16, λu = λv = 1). On the bank's large short-history case the holdout
 * ratio to popularity climbs steeply with the iterations: 1.28× at 30, 1.76× at 45, 1.88× at 60,
 * 1.87× at 80 (bench/analysis/softmax-fit.mjs).
 */
export const DEFAULT_SOFTMAX: SoftmaxParams = { factors: 16, iterations: 60, userRegularization: 1, itemRegularization: 1, order: "oldest-first", seed: 0 };

export interface SoftmaxFit {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  itemBias: Float32Array;
  /** The objective after each L-BFGS iteration. */
  losses: number[];
  iterations: number;
}

export const DRAW_ORDERS: readonly DrawOrder[] = ["oldest-first", "newest-first", "none"];

/** The bias of padding items (past nItems in the last panel): exp of their logit is exactly 0. */
const PAD_BIAS = -1e30;
/** Ridge on the item biases, which the brief's objective fixes. */
const BIAS_REGULARIZATION = 0.01;
/** User blocks whose item gradients are summed in a fixed order (a multiple of 2, 3, 4 and 6 threads' shares). */
const BLOCKS = 12;
/** L-BFGS correction pairs. */
const LBFGS_MEMORY = 10;
/** Relative decrease below which the fit stops early (the research ran scipy with ftol 1e-13). */
const TOLERANCE = 1e-13;

/**
 * One fit's shared state: the draw sequences, the float32 parameters of the current evaluation
 * (panel layout for items, as the kernel reads them) and every block's outputs. An executor's
 * threads read and write it through storage from its alloc32/alloc64.
 */
export interface SoftmaxProblem {
  nUsers: number;
  nItems: number;
  f: number;
  /** The kernel's factor count: f rounded up to even (a zero factor pads an odd f). */
  fk: number;
  /** Item panels of 8: nItems rounded up to 16, over 8 (an even count). */
  np: number;
  /** User u's items in draw order are seq[seqPtr[u] .. seqPtr[u+1]). */
  seqPtr: Int32Array;
  seq: Int32Array;
  /** User boundaries of the blocks (BLOCKS + 1 entries at most), multiples of 4 but the last. */
  blocks: Int32Array;
  X: Float32Array;
  Yp: Float32Array;
  cp: Float32Array;
  /** ∂(−log-lik)/∂X, nUsers × f. */
  gX: Float64Array;
  /** Per block: ∂/∂Y in panel layout (np·fk·8) and ∂/∂c (np·8), float32 as the kernel accumulates them. */
  gYParts: Float32Array;
  gcParts: Float32Array;
  /** Per block: −log-lik of its users. */
  lossParts: Float64Array;
}

/** Runs the blocks of an evaluation: the calling thread (serialSoftmax) or a team of threads. */
export interface SoftmaxExecutor {
  /** Float32 storage every thread of the executor can use (SharedArrayBuffer-backed for a team). */
  alloc32(length: number): Float32Array;
  alloc64(length: number): Float64Array;
  /** Evaluates every block of `problem` at its current X, Yp, cp. */
  evaluate(problem: SoftmaxProblem): void;
}

let threadKernel: SoftmaxKernel | undefined;

/** Everything on the calling thread. */
export const serialSoftmax: SoftmaxExecutor = {
  alloc32: (length) => new Float32Array(length),
  alloc64: (length) => new Float64Array(length),
  evaluate: (problem) => evaluateBlocks(problem, 0, problem.blocks.length - 1),
};

/** Byte offsets of one thread's kernel memory for a problem's shape. */
interface Layout {
  panels: number;
  bias: number;
  gy: number;
  gc: number;
  q: number;
  rows: number;
  gx: number;
  /** The current user's drawn logits, then their exps (the longest history, rounded up to 16). */
  drawn: number;
  end: number;
}

function layout(f: number, np: number, longest: number): Layout {
  const panels = 0;
  const bias = panels + np * f * 32;
  const gy = bias + np * 32;
  const gc = gy + np * f * 32;
  const q = gc + np * 32;
  const rows = q + f * 16;
  const gx = rows + 4 * np * 32;
  const drawn = gx + 4 * f * 16;
  return { panels, bias, gy, gc, q, rows, gx, drawn, end: drawn + Math.ceil(longest / 16) * 64 };
}

/** Per-user scratch in float64, sized to the longest history. */
interface Scratch {
  logit: Float64Array;
  e: Float64Array;
  z: Float64Array;
  r: Float64Array;
}

/**
 * Blocks [from, to) of one evaluation on this thread's kernel: the rows of gX of their users,
 * their gYParts / gcParts and lossParts. The block's arithmetic does not depend on which thread
 * runs it.
 */
export function evaluateBlocks(pr: SoftmaxProblem, from: number, to: number, kernel?: SoftmaxKernel): void {
  const k = kernel ?? (threadKernel ??= newSoftmaxKernel());
  const { fk, np } = pr;
  let longest = 0;
  for (let u = pr.blocks[from]; u < pr.blocks[to]; u++) longest = Math.max(longest, pr.seqPtr[u + 1] - pr.seqPtr[u]);
  const L = layout(fk, np, longest);
  k.reserve(L.end);
  const mem = new Float32Array(k.memory());
  mem.set(pr.Yp, L.panels >> 2);
  mem.set(pr.cp, L.bias >> 2);
  const s: Scratch = { logit: new Float64Array(longest), e: new Float64Array(longest), z: new Float64Array(longest), r: new Float64Array(longest) };
  for (let b = from; b < to; b++) {
    mem.fill(0, L.gy >> 2, (L.gc >> 2) + np * 8);
    let loss = 0;
    for (let u0 = pr.blocks[b]; u0 < pr.blocks[b + 1]; u0 += 4) loss += quad(pr, k, mem, L, s, u0, Math.min(4, pr.blocks[b + 1] - u0));
    pr.lossParts[b] = loss;
    pr.gYParts.set(mem.subarray(L.gy >> 2, (L.gy >> 2) + np * fk * 8), b * np * fk * 8);
    pr.gcParts.set(mem.subarray(L.gc >> 2, (L.gc >> 2) + np * 8), b * np * 8);
  }
}

/** Users u0 … u0+count−1 (count ≤ 4; the rest of the quad is padding): their −log-lik, gX rows, and the block's item gradients. */
function quad(pr: SoftmaxProblem, k: SoftmaxKernel, mem: Float32Array, L: Layout, s: Scratch, u0: number, count: number): number {
  const { f, fk, np } = pr;
  const width = np * 8;
  const q = L.q >> 2;
  for (let r = 0; r < 4; r++) {
    for (let a = 0; a < fk; a++) mem[q + a * 4 + r] = r < count && a < f ? pr.X[(u0 + r) * f + a] : 0;
  }
  k.logits(L.q, fk, L.panels, np, L.bias, L.rows);
  let loss = 0;
  for (let r = 0; r < 4; r++) {
    const row = L.rows + r * width * 4;
    const u = u0 + r;
    if (r >= count || pr.seqPtr[u + 1] === pr.seqPtr[u]) mem.fill(0, row >> 2, (row >> 2) + width);
    else loss += userGradient(pr, k, mem, L, row, s, u);
  }
  k.backwardY(L.q, fk, np, L.rows, L.gy, L.gc);
  k.backwardX(fk, L.panels, np, L.rows, L.gx);
  const gx = L.gx >> 2;
  for (let r = 0; r < count; r++) {
    for (let a = 0; a < f; a++) {
      const o = gx + (r * fk + a) * 4;
      pr.gX[(u0 + r) * f + a] = mem[o] + mem[o + 1] + (mem[o + 2] + mem[o + 3]);
    }
  }
  return loss;
}

/**
 * Turns user u's row of logits (at byte offset `row`) into ∂(−log-lik)/∂logit and returns the
 * user's −log-lik.
 */
function userGradient(pr: SoftmaxProblem, k: SoftmaxKernel, mem: Float32Array, L: Layout, row: number, s: Scratch, u: number): number {
  const start = pr.seqPtr[u];
  const n = pr.seqPtr[u + 1] - start;
  const width = pr.np * 8;
  const ro = row >> 2;
  const dr = L.drawn >> 2;
  const { logit, e, z, r } = s;
  const max = k.rowMax(row, width);
  // The drawn logits move to their own buffer and leave the row (exp of PAD_BIAS is exactly 0),
  // so the row's sum is the never-drawn mass, summed directly.
  for (let t = 0; t < n; t++) {
    const j = ro + pr.seq[start + t];
    logit[t] = mem[dr + t] = mem[j];
    mem[j] = PAD_BIAS;
  }
  const undrawn = k.expRow(row, width, max);
  k.expRow(L.drawn, Math.ceil(n / 16) * 16, max);
  // A drawn item more than 87 below the row's maximum has a float32 exp of 0; its float64 exp
  // keeps Zₜ ≥ its own mass > 0, so the step's log-likelihood stays finite and ≤ 0 (with Zₜ = 0
  // a line search would see −∞ loss as the best point yet).
  let tiny = false;
  for (let t = 0; t < n; t++) {
    e[t] = mem[dr + t];
    if (e[t] === 0) {
      e[t] = Math.exp(logit[t] - max);
      tiny = true;
    }
  }
  let suffix = 0;
  for (let t = n - 1; t >= 0; t--) {
    suffix += e[t];
    z[t] = undrawn + suffix;
  }
  // Zₜ shrinks with t: the last is the smallest. Below float64's range the loss is +∞ (rejected).
  if (z[n - 1] === 0) return Number.POSITIVE_INFINITY;
  let logLik = -sumLog(z, n, tiny);
  let inv = 0;
  for (let t = 0; t < n; t++) {
    inv += 1 / z[t];
    r[t] = inv;
    logLik += logit[t] - max;
  }
  // Never-drawn items were in the running for every step: R = Σ all 1/Z.
  k.scale(row, width, inv);
  for (let t = 0; t < n; t++) mem[ro + pr.seq[start + t]] = e[t] * r[t] - 1;
  return -logLik;
}

/**
 * Σ log z[t] for t < n. Unless `tiny`, in groups of 8: one log per product saves 7 of 8 calls,
 * and 8 factors stay in float64's range (z ≤ nItems, and z ≥ 1e-38, expRow's smallest nonzero).
 */
function sumLog(z: Float64Array, n: number, tiny: boolean): number {
  let sum = 0;
  if (tiny) {
    for (let t = 0; t < n; t++) sum += Math.log(z[t]);
    return sum;
  }
  let product = 1;
  for (let t = 0; t < n; t++) {
    product *= z[t];
    if ((t & 7) === 7) {
      sum += Math.log(product);
      product = 1;
    }
  }
  return sum + Math.log(product);
}

/**
 * The draw order per user: by timestamp (oldest first, or reversed for "newest-first"), ties (and
 * data without timestamps, and order "none") in a random order seeded by `seed`, so the sequence
 * is deterministic. Rows without a timestamp in data that has them count as the oldest. A Fisher-Yates shuffle, then a stable placement by time: each
 * position goes to the first free slot of its timestamp among the user's sorted timestamps (a
 * native numeric sort; a comparator sort took 0.5 s on 860k interactions).
 */
export function drawOrder(train: Dataset, seed: number, order: DrawOrder = "oldest-first"): Int32Array {
  const { indptr, indices } = train;
  const timestamps = order === "none" ? undefined : train.timestamps;
  const rng = mulberry32(seed ^ 0x51f7);
  const nUsers = indptr.length - 1;
  const seq = new Int32Array(indices.length);
  let longest = 0;
  for (let u = 0; u < nUsers; u++) longest = Math.max(longest, indptr[u + 1] - indptr[u]);
  const pos = new Int32Array(longest);
  const sorted = new Float64Array(longest);
  const taken = new Int32Array(longest);
  const time = (p: number): number => (Number.isNaN(timestamps![p]) ? -Infinity : timestamps![p]);
  for (let u = 0; u < nUsers; u++) {
    const start = indptr[u];
    const n = indptr[u + 1] - start;
    for (let t = 0; t < n; t++) pos[t] = start + t;
    for (let t = n - 1; t > 0; t--) {
      const r = Math.floor(rng() * (t + 1));
      const keep = pos[t];
      pos[t] = pos[r];
      pos[r] = keep;
    }
    if (!timestamps) {
      for (let t = 0; t < n; t++) seq[start + t] = indices[pos[t]];
      continue;
    }
    for (let t = 0; t < n; t++) sorted[t] = time(start + t);
    const times = sorted.subarray(0, n).sort();
    taken.fill(0, 0, n);
    for (let t = 0; t < n; t++) {
      const first = lowerBound(times, time(pos[t]));
      seq[start + first + taken[first]++] = indices[pos[t]];
    }
    if (order === "newest-first") seq.subarray(start, start + n).reverse();
  }
  return seq;
}

/** The first index of `a` (ascending) holding a value ≥ v. */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Block boundaries: BLOCKS slices of whole quads of users (fewer when there are few users). */
function userBlocks(nUsers: number): Int32Array {
  const quads = Math.ceil(nUsers / 4);
  const parts = Math.max(1, Math.min(BLOCKS, quads));
  return Int32Array.from({ length: parts + 1 }, (_, b) => Math.min(nUsers, 4 * Math.floor((b * quads) / parts)));
}

function checkParams(p: SoftmaxParams): void {
  const int = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(p.factors, 1, 1024) || !int(p.iterations, 1, 1000) || !(p.userRegularization >= 0) || !(p.itemRegularization >= 0) || !Number.isFinite(p.userRegularization + p.itemRegularization)) {
    throw new InvalidParamsError("sequential softmax needs factors in 1…1024, iterations in 1…1000 and finite regularization ≥ 0");
  }
  if (!DRAW_ORDERS.includes(p.order)) throw new InvalidParamsError(`sequential softmax: unknown draw order ${JSON.stringify(p.order)}`);
}

/** The starting parameters [X | Y | c]: a warm start, or N(0, 0.1²) factors from the seed and zero biases. */
function initialParams(nUsers: number, nItems: number, f: number, seed: number, init?: { userFactors: Float32Array; itemFactors: Float32Array; itemBias: Float32Array }): Float64Array {
  const theta = new Float64Array((nUsers + nItems) * f + nItems);
  if (init) {
    if (init.userFactors.length !== nUsers * f || init.itemFactors.length !== nItems * f || init.itemBias.length !== nItems) {
      throw new InvalidParamsError(`a warm start needs ${nUsers}×${f} user factors, ${nItems}×${f} item factors and ${nItems} item biases`);
    }
    theta.set(init.userFactors, 0);
    theta.set(init.itemFactors, nUsers * f);
    theta.set(init.itemBias, (nUsers + nItems) * f);
    return theta;
  }
  const rng = mulberry32(seed);
  for (let k = 0; k < (nUsers + nItems) * f; k++) theta[k] = 0.1 * gaussian(rng);
  return theta;
}

function newProblem(train: Dataset, f: number, seed: number, order: DrawOrder, exec: SoftmaxExecutor): SoftmaxProblem {
  const nUsers = train.userIds.length;
  const nItems = train.itemIds.length;
  // An even number of panels: the kernel's row passes take 16 floats per step.
  const np = 2 * Math.ceil(nItems / 16);
  const fk = f + (f & 1);
  const blocks = userBlocks(nUsers);
  const parts = blocks.length - 1;
  const cp = exec.alloc32(np * 8);
  cp.fill(PAD_BIAS, nItems);
  return {
    nUsers, nItems, f, fk, np, blocks,
    seqPtr: train.indptr,
    seq: drawOrder(train, seed, order),
    X: exec.alloc32(nUsers * f),
    Yp: exec.alloc32(np * fk * 8),
    cp,
    gX: exec.alloc64(nUsers * f),
    gYParts: exec.alloc32(parts * np * fk * 8),
    gcParts: exec.alloc32(parts * np * 8),
    lossParts: exec.alloc64(parts),
  };
}

/** Copies θ = [X | Y | c] into the problem's float32 arrays (items into panels). */
function writeParams(pr: SoftmaxProblem, theta: Float64Array): void {
  const { nUsers, nItems, f, fk } = pr;
  pr.X.set(theta.subarray(0, nUsers * f));
  const y0 = nUsers * f;
  for (let j = 0; j < nItems; j++) {
    const o = (j >> 3) * fk * 8 + (j & 7);
    for (let a = 0; a < f; a++) pr.Yp[o + a * 8] = theta[y0 + j * f + a];
  }
  pr.cp.set(theta.subarray(y0 + nItems * f), 0);
}

/**
 * Σ_b parts[b·size + i] for i < size into `out`, in block order (each block's slice streamed
 * whole: summing entry by entry across the blocks was a strided walk over all of them).
 */
function sumParts(parts: Float32Array, blocks: number, size: number, out: Float64Array): void {
  out.fill(0, 0, size);
  for (let b = 0; b < blocks; b++) {
    const o = b * size;
    for (let i = 0; i < size; i++) out[i] += parts[o + i];
  }
}

/** The objective at θ and its gradient into `grad`: block partials summed in block order, plus the ridges. */
function objective(pr: SoftmaxProblem, exec: SoftmaxExecutor, p: SoftmaxParams, theta: Float64Array, grad: Float64Array, sums: { y: Float64Array; c: Float64Array }): number {
  writeParams(pr, theta);
  exec.evaluate(pr);
  const { nUsers, nItems, f, fk, np } = pr;
  const parts = pr.blocks.length - 1;
  let loss = 0;
  for (let b = 0; b < parts; b++) loss += pr.lossParts[b];
  let ridgeX = 0;
  for (let k = 0; k < nUsers * f; k++) {
    ridgeX += theta[k] * theta[k];
    grad[k] = pr.gX[k] + p.userRegularization * theta[k];
  }
  sumParts(pr.gYParts, parts, np * fk * 8, sums.y);
  sumParts(pr.gcParts, parts, np * 8, sums.c);
  const y0 = nUsers * f;
  const c0 = y0 + nItems * f;
  let ridgeY = 0;
  let ridgeC = 0;
  for (let j = 0; j < nItems; j++) {
    const o = (j >> 3) * fk * 8 + (j & 7);
    for (let a = 0; a < f; a++) {
      const t = theta[y0 + j * f + a];
      ridgeY += t * t;
      grad[y0 + j * f + a] = sums.y[o + a * 8] + p.itemRegularization * t;
    }
    const c = theta[c0 + j];
    ridgeC += c * c;
    grad[c0 + j] = sums.c[j] + BIAS_REGULARIZATION * c;
  }
  return loss + 0.5 * (p.userRegularization * ridgeX + p.itemRegularization * ridgeY + BIAS_REGULARIZATION * ridgeC);
}

/** Fits the sequential softmax MF on `train`. Deterministic for a seed, whatever the executor. */
export function trainSequentialSoftmax(train: Dataset, p: SoftmaxParams, opts: {
  signal?: AbortFlag;
  onProgress?: (pr: { iteration: number; iterations: number; loss: number; fraction: number }) => void;
  executor?: SoftmaxExecutor;
  init?: { userFactors: Float32Array; itemFactors: Float32Array; itemBias: Float32Array };
} = {}): SoftmaxFit {
  checkParams(p);
  const f = p.factors;
  const nUsers = train.userIds.length;
  const nItems = train.itemIds.length;
  const exec = opts.executor ?? serialSoftmax;
  const pr = newProblem(train, f, p.seed, p.order, exec);
  const losses: number[] = [];
  const sums = { y: new Float64Array(pr.np * pr.fk * 8), c: new Float64Array(pr.np * 8) };
  const fg = (theta: Float64Array, grad: Float64Array): number => objective(pr, exec, p, theta, grad, sums);
  let result;
  try {
    result = lbfgs(fg, initialParams(nUsers, nItems, f, p.seed, opts.init), {
      maxIterations: p.iterations,
      memory: LBFGS_MEMORY,
      tolerance: TOLERANCE,
      gradientTolerance: 0,
      ...(opts.signal ? { signal: opts.signal } : {}),
      // The line search accepts only finite values: a non-finite loss can only be the start's.
      onIteration(iteration, loss) {
        losses.push(loss);
        opts.onProgress?.({ iteration, iterations: p.iterations, loss, fraction: iteration / p.iterations });
      },
    });
  } catch (err) {
    if (err instanceof NumericOverflowError) throw new NumericOverflowError(`sequential softmax: ${err.message}; raise the regularization`);
    throw err;
  }
  const theta = result.x;
  const y0 = nUsers * f;
  return {
    userFactors: Float32Array.from(theta.subarray(0, y0)),
    itemFactors: Float32Array.from(theta.subarray(y0, y0 + nItems * f)),
    itemBias: Float32Array.from(theta.subarray(y0 + nItems * f)),
    losses,
    iterations: result.iterations,
  };
}
