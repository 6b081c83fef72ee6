// L-BFGS on problems with known minima: an ill-conditioned quadratic, the Rosenbrock function in
// 2 and 20 dimensions, and a strictly convex non-quadratic; plus its stopping rules and abort.
import { describe, expect, it } from "vitest";
import { AbortedError, NumericOverflowError } from "../../src/engine/errors.js";
import { lbfgs, type Objective } from "../../src/engine/lbfgs.js";

/** ½ Σ dᵢ (xᵢ − i)², condition number 1e3: minimum 0 at xᵢ = i. */
const quadratic: Objective = (x, g) => {
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    const d = 10 ** ((3 * i) / (x.length - 1));
    const r = x[i] - i;
    f += 0.5 * d * r * r;
    g[i] = d * r;
  }
  return f;
};

/** Σ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²: minimum 0 at all ones. */
const rosenbrock: Objective = (x, g) => {
  let f = 0;
  g.fill(0);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
};

describe("lbfgs", () => {
  it("minimises an ill-conditioned quadratic", () => {
    // 82 iterations (scipy's L-BFGS-B with the same memory: 62).
    const r = lbfgs(quadratic, new Float64Array(10), { maxIterations: 500, gradientTolerance: 1e-9, tolerance: 0 });
    expect(r.reason).toBe("gradient");
    r.x.forEach((v, i) => expect(v).toBeCloseTo(i, 8));
    expect(r.f).toBeLessThan(1e-15);
  });

  it.each([2, 20])("finds the Rosenbrock minimum in %i dimensions", (n) => {
    const x0 = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const r = lbfgs(rosenbrock, x0, { maxIterations: 1000, gradientTolerance: 1e-8, tolerance: 0 });
    expect(r.reason).toBe("gradient");
    r.x.forEach((v) => expect(v).toBeCloseTo(1, 6));
    // A line search meeting the Wolfe conditions needs few evaluations per iteration.
    expect(r.evaluations).toBeLessThan(2 * r.iterations);
  });

  it("minimises a strictly convex non-quadratic (log-sum-exp plus a ridge)", () => {
    // f = log Σ exp(xᵢ) + ½‖x‖²: by symmetry the minimum has all xᵢ = t with t = −1/n.
    const n = 8;
    const fg: Objective = (x, g) => {
      let z = 0;
      for (let i = 0; i < n; i++) z += Math.exp(x[i]);
      let f = Math.log(z);
      for (let i = 0; i < n; i++) {
        f += 0.5 * x[i] * x[i];
        g[i] = Math.exp(x[i]) / z + x[i];
      }
      return f;
    };
    const r = lbfgs(fg, Float64Array.from({ length: n }, (_, i) => i - 3), { maxIterations: 200, gradientTolerance: 1e-10, tolerance: 0 });
    r.x.forEach((v) => expect(v).toBeCloseTo(-1 / n, 8));
  });

  it("stops at the iteration cap, on a small relative decrease, and is deterministic", () => {
    const x0 = Float64Array.from([-1.2, 1]);
    const capped = lbfgs(rosenbrock, x0, { maxIterations: 5 });
    expect(capped.reason).toBe("iterations");
    expect(capped.iterations).toBe(5);
    const again = lbfgs(rosenbrock, x0, { maxIterations: 5 });
    expect(Array.from(again.x)).toEqual(Array.from(capped.x));
    const loose = lbfgs(rosenbrock, x0, { maxIterations: 1000, tolerance: 1e-3 });
    expect(loose.reason).toBe("tolerance");
    expect(loose.iterations).toBeLessThan(1000);
  });

  it("reports each iteration's value, decreasing", () => {
    const values: number[] = [];
    lbfgs(quadratic, new Float64Array(10), { maxIterations: 20, onIteration: (it, f) => values.push(f) });
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1]);
  });

  it.each([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN])("backs off from steps where the objective is %s", (outside) => {
    // Finite only for x < 2 (a barrier); the minimum is at 1.5.
    const fg: Objective = (x, g) => {
      if (x[0] >= 2) return outside;
      g[0] = 2 * (x[0] - 1.5) + 1 / (2 - x[0]) ** 2 - 1 / (2 - 1.5) ** 2;
      return (x[0] - 1.5) ** 2 + 1 / (2 - x[0]) - 4 * (x[0] - 1.5);
    };
    const r = lbfgs(fg, Float64Array.from([-20]), { maxIterations: 100, gradientTolerance: 1e-10, tolerance: 0 });
    expect(r.x[0]).toBeCloseTo(1.5, 8);
  });

  it("checks the abort flag before every evaluation and rejects a non-finite start", () => {
    const signal = { aborted: false };
    let calls = 0;
    const fg: Objective = (x, g) => {
      if (++calls === 3) signal.aborted = true;
      return quadratic(x, g);
    };
    expect(() => lbfgs(fg, new Float64Array(10), { maxIterations: 100, signal })).toThrow(AbortedError);
    expect(calls).toBe(3);
    expect(() => lbfgs(() => Number.NaN, new Float64Array(2), { maxIterations: 10 })).toThrow(NumericOverflowError);
  });
});
