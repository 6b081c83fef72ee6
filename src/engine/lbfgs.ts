// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed.: two-loop recursion,
// Alg. 7.4; strong-Wolfe line search with zoom, Alg. 3.5/3.6) on Float64Array parameters. Small
// and deterministic: the same objective and start give the same iterates bit for bit. Pairs
// whose curvature sᵀy is not clearly positive are skipped (cautious update), so the inverse
// Hessian estimate stays positive definite even when float32 noise in the objective breaks the
// curvature condition. Used by the sequential softmax MF (sequential-softmax.ts).
import { NumericOverflowError, throwIfAborted, type AbortFlag } from "./errors.js";

/** Returns f(x) and writes ∇f(x) into g. */
export type Objective = (x: Float64Array, g: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations: number;
  /** Correction pairs kept (default 10). */
  memory?: number;
  /** Stop when (f_prev − f) ≤ tolerance · max(|f_prev|, |f|, 1) (default 1e-10). */
  tolerance?: number;
  /** Stop when max |∇f| ≤ gradientTolerance (default 1e-8). */
  gradientTolerance?: number;
  /** Checked before every evaluation of the objective. */
  signal?: AbortFlag;
  /** After every iteration, with the accepted objective value. */
  onIteration?: (iteration: number, f: number) => void;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  /** Why it stopped. */
  reason: "iterations" | "tolerance" | "gradient" | "line search";
}

const C1 = 1e-4;
const C2 = 0.9;
const MAX_LINE_EVALUATIONS = 25;

/** Σ a·b with four accumulators: one chain of dependent adds is 4× slower on 10⁵-long vectors. */
function dot(a: Float64Array, b: Float64Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n4 = a.length - (a.length & 3);
  let i = 0;
  for (; i < n4; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < a.length; i++) s0 += a[i] * b[i];
  return s0 + s1 + (s2 + s3);
}

/** d ← d + a·v, then returns next·d: the two-loop recursion's update and its next dot product in one pass. */
function axpyDot(d: Float64Array, a: number, v: Float64Array, next: Float64Array): number {
  let s0 = 0, s1 = 0;
  const n2 = d.length - (d.length & 1);
  let i = 0;
  for (; i < n2; i += 2) {
    const d0 = d[i] + a * v[i];
    const d1 = d[i + 1] + a * v[i + 1];
    d[i] = d0;
    d[i + 1] = d1;
    s0 += next[i] * d0;
    s1 += next[i + 1] * d1;
  }
  if (i < d.length) {
    d[i] += a * v[i];
    s0 += next[i] * d[i];
  }
  return s0 + s1;
}

function axpy(d: Float64Array, a: number, v: Float64Array): void {
  for (let i = 0; i < d.length; i++) d[i] += a * v[i];
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** A point on the search line: step, value, directional derivative, and the point's x and gradient. */
interface LinePoint {
  step: number;
  f: number;
  slope: number;
  x: Float64Array;
  g: Float64Array;
}

/** The stored correction pairs, oldest first, in a ring. */
class Memory {
  readonly s: Float64Array[] = [];
  readonly y: Float64Array[] = [];
  readonly rho: number[] = [];
  #start = 0;
  constructor(readonly size: number) {}

  get length(): number {
    return this.s.length;
  }

  /** The k-th pair, oldest first. */
  at(k: number): number {
    return (this.#start + k) % this.s.length;
  }

  push(s: Float64Array, y: Float64Array, sy: number): void {
    if (this.s.length < this.size) {
      this.s.push(s.slice());
      this.y.push(y.slice());
      this.rho.push(1 / sy);
      return;
    }
    const k = this.#start;
    this.s[k].set(s);
    this.y[k].set(y);
    this.rho[k] = 1 / sy;
    this.#start = (k + 1) % this.size;
  }

  clear(): void {
    this.s.length = 0;
    this.y.length = 0;
    this.rho.length = 0;
    this.#start = 0;
  }

  /**
   * d = −H·g by the two-loop recursion, with H₀ = (sᵀy / yᵀy)·I from the newest pair. Each
   * update of d is fused with the dot product the next step needs.
   */
  direction(g: Float64Array, d: Float64Array, alpha: Float64Array): void {
    const m = this.length;
    for (let i = 0; i < d.length; i++) d[i] = -g[i];
    if (m === 0) return;
    let sd = dot(this.s[this.at(m - 1)], d);
    for (let k = m - 1; k >= 0; k--) {
      const j = this.at(k);
      const a = this.rho[j] * sd;
      alpha[k] = a;
      if (k > 0) sd = axpyDot(d, -a, this.y[j], this.s[this.at(k - 1)]);
      else axpy(d, -a, this.y[j]);
    }
    const newest = this.at(m - 1);
    const gamma = 1 / (this.rho[newest] * dot(this.y[newest], this.y[newest]));
    for (let i = 0; i < d.length; i++) d[i] *= gamma;
    let yd = dot(this.y[this.at(0)], d);
    for (let k = 0; k < m; k++) {
      const j = this.at(k);
      const c = alpha[k] - this.rho[j] * yd;
      if (k < m - 1) yd = axpyDot(d, c, this.s[j], this.y[this.at(k + 1)]);
      else axpy(d, c, this.s[j]);
    }
  }
}

/** Armijo's condition; a value that is not finite (−∞ included) never meets it. */
function sufficientDecrease(f: number, f0: number, step: number, slope0: number): boolean {
  return Number.isFinite(f) && f <= f0 + C1 * step * slope0;
}

/** The minimiser of the cubic through (a, fa, da) and (b, fb, db), or NaN when it has none. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return Number.NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * ((db + d2 - d1) / (db - da + 2 * d2));
}

/**
 * Minimises `fg` from `x0`. A line search that cannot meet the Wolfe conditions within its
 * budget falls back to the best point with sufficient decrease; when there is none even along
 * steepest descent, the search stops with reason "line search" (no progress is possible in
 * floating point). Throws NumericOverflowError when f(x0) is not finite.
 */
export function lbfgs(fg: Objective, x0: Float64Array, opts: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const tol = opts.tolerance ?? 1e-10;
  const gtol = opts.gradientTolerance ?? 1e-8;
  const memory = new Memory(opts.memory ?? 10);
  let evaluations = 0;
  const evaluate = (x: Float64Array, g: Float64Array): number => {
    throwIfAborted(opts.signal);
    evaluations++;
    return fg(x, g);
  };
  const x = x0.slice();
  const g = new Float64Array(n);
  let f = evaluate(x, g);
  if (!Number.isFinite(f)) throw new NumericOverflowError(`the objective is ${f} at the starting point`);
  const d = new Float64Array(n);
  const alpha = new Float64Array(memory.size);
  const s = new Float64Array(n);
  const yv = new Float64Array(n);
  let iterations = 0;
  let reason: LbfgsResult["reason"] = "iterations";
  const search = new LineSearch(evaluate, n);
  while (iterations < opts.maxIterations) {
    if (maxAbs(g) <= gtol) {
      reason = "gradient";
      break;
    }
    memory.direction(g, d, alpha);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (rounding): start again from steepest descent.
      memory.clear();
      memory.direction(g, d, alpha);
      slope = dot(g, d);
    }
    // The first step of steepest descent has no scale: take one of length 1 in x.
    const first = memory.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let found = search.run(x, f, g, d, slope, first);
    if (!found && memory.length > 0) {
      memory.clear();
      memory.direction(g, d, alpha);
      slope = dot(g, d);
      found = search.run(x, f, g, d, slope, Math.min(1, 1 / Math.sqrt(-slope)));
    }
    if (!found) {
      reason = "line search";
      break;
    }
    let sy = 0, ss = 0, yy = 0;
    for (let i = 0; i < n; i++) {
      const si = (s[i] = found.x[i] - x[i]);
      const yi = (yv[i] = found.g[i] - g[i]);
      sy += si * yi;
      ss += si * si;
      yy += yi * yi;
    }
    if (sy > 1e-12 * Math.sqrt(ss * yy)) memory.push(s, yv, sy);
    const fPrev = f;
    x.set(found.x);
    g.set(found.g);
    f = found.f;
    iterations++;
    opts.onIteration?.(iterations, f);
    if (fPrev - f <= tol * Math.max(Math.abs(fPrev), Math.abs(f), 1)) {
      reason = "tolerance";
      break;
    }
  }
  return { x, f, iterations, evaluations, reason };
}

/** The strong-Wolfe line search, with its scratch points reused across iterations. */
class LineSearch {
  readonly #evaluate: Objective;
  readonly #pool: LinePoint[];
  constructor(evaluate: Objective, n: number) {
    this.#evaluate = evaluate;
    this.#pool = Array.from({ length: 3 }, () => ({ step: 0, f: 0, slope: 0, x: new Float64Array(n), g: new Float64Array(n) }));
  }

  /** A free scratch point (not `keep`). */
  #spare(...keep: (LinePoint | undefined)[]): LinePoint {
    return this.#pool.find((p) => !keep.includes(p))!;
  }

  #at(p: LinePoint, step: number, x: Float64Array, d: Float64Array): LinePoint {
    for (let i = 0; i < x.length; i++) p.x[i] = x[i] + step * d[i];
    p.step = step;
    p.f = this.#evaluate(p.x, p.g);
    p.slope = dot(p.g, d);
    return p;
  }

  /**
   * A step meeting f ≤ f0 + c1·t·slope0 and |slope| ≤ c2·|slope0|, or failing that the best step
   * with sufficient decrease seen; undefined when no step decreased f. Non-finite values count
   * as too long a step.
   */
  run(x: Float64Array, f0: number, g0: Float64Array, d: Float64Array, slope0: number, first: number): LinePoint | undefined {
    const start: LinePoint = { step: 0, f: f0, slope: slope0, x, g: g0 };
    let prev = start;
    let step = first;
    for (let k = 0; k < MAX_LINE_EVALUATIONS; k++) {
      const cur = this.#at(this.#spare(prev), step, x, d);
      const armijo = sufficientDecrease(cur.f, f0, step, slope0);
      if (!armijo || (k > 0 && cur.f >= prev.f)) return this.#zoom(x, f0, slope0, d, prev, cur, MAX_LINE_EVALUATIONS - k - 1);
      if (Math.abs(cur.slope) <= -C2 * slope0) return cur;
      if (cur.slope >= 0) return this.#zoom(x, f0, slope0, d, cur, prev, MAX_LINE_EVALUATIONS - k - 1);
      prev = cur;
      step *= 2;
    }
    return prev === start ? undefined : prev;
  }

  /** Nocedal & Wright's zoom: `lo` has sufficient decrease and the lowest f so far; the bracket is [lo, hi]. */
  #zoom(x: Float64Array, f0: number, slope0: number, d: Float64Array, lo: LinePoint, hi: LinePoint, budget: number): LinePoint | undefined {
    for (let k = 0; k < budget; k++) {
      const a = Math.min(lo.step, hi.step);
      const b = Math.max(lo.step, hi.step);
      if (b - a <= 1e-12 * b) break;
      let t = Number.isFinite(hi.f) ? cubicMin(lo.step, lo.f, lo.slope, hi.step, hi.f, hi.slope) : Number.NaN;
      // Keep the trial inside the middle 80 % of the bracket, bisecting when the cubic is useless.
      const margin = 0.1 * (b - a);
      if (!(t >= a + margin && t <= b - margin)) t = (a + b) / 2;
      const cur = this.#at(this.#spare(lo, hi), t, x, d);
      if (!sufficientDecrease(cur.f, f0, t, slope0) || cur.f >= lo.f) {
        hi = cur;
        continue;
      }
      if (Math.abs(cur.slope) <= -C2 * slope0) return cur;
      if (cur.slope * (hi.step - lo.step) >= 0) hi = lo;
      lo = cur;
    }
    return lo.step > 0 ? lo : undefined;
  }
}
