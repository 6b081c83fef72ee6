// ALS's solver and loss held to an independent oracle: ml-matrix's exact dense Cholesky solve and
// a brute-force dense loss. The engine never forms the per-row matrix A = YᵀY + λI + Σ (c−1)·y·yᵀ
// (conjugate gradient only multiplies by it, through the Gram matrix and the row's nonzeros), so
// building A and b = Σ c·y here from their definitions checks the kernels' algebra, not a copy of
// it. CG on an f×f SPD system reaches the exact solution within f steps in exact arithmetic.
import { describe, expect, it } from "vitest";
import { CholeskyDecomposition, Matrix } from "ml-matrix";
import {
  alsLoss, cgScratch, gram, mulberry32, simdKernelFits, solveRange, trainAls, transpose, DatasetBuilder, type AlsKernelChoice, type Csr, type Dataset, type Rng,
} from "../../src/engine/index.js";

/** A random sparse problem: each user has 1..maxPerUser distinct items with weights in [0.5, 3). */
function randomDataset(rng: Rng, nUsers: number, nItems: number, maxPerUser: number): Dataset {
  const b = new DatasetBuilder();
  b.setIds(Array.from({ length: nUsers }, (_, u) => `u${u}`), Array.from({ length: nItems }, (_, i) => `i${i}`));
  for (let u = 0; u < nUsers; u++) {
    const items = new Set<number>();
    const n = 1 + Math.floor(rng() * maxPerUser);
    while (items.size < n) items.add(Math.floor(rng() * nItems));
    for (const i of items) b.addIndexed(u, i, 0.5 + rng() * 2.5);
  }
  return b.build();
}

const randomFactors = (rng: Rng, length: number, scale: number): Float32Array => Float32Array.from({ length }, () => (rng() - 0.5) * 2 * scale);

/** Row `r` of a row-major n×f Float32Array as a 1×f Matrix (float64). */
const rowOf = (M: Float32Array, r: number, f: number): Matrix => new Matrix([Array.from(M.subarray(r * f, r * f + f))]);

/** x = (YᵀY + λI + Σ (c−1)·y·yᵀ)⁻¹ Σ c·y for user u, by a dense Cholesky solve. */
function exactRow(C: Csr, Y: Float32Array, u: number, f: number, alpha: number, reg: number, nItems: number): number[] {
  const Ym = new Matrix(nItems, f);
  for (let i = 0; i < nItems; i++) Ym.setRow(i, Array.from(Y.subarray(i * f, i * f + f)));
  const A = Ym.transpose().mmul(Ym).add(Matrix.eye(f, f).mul(reg));
  const b = Matrix.zeros(f, 1);
  for (let k = C.indptr[u]; k < C.indptr[u + 1]; k++) {
    const y = rowOf(Y, C.indices[k], f);
    const c = 1 + alpha * C.weights[k];
    A.add(y.transpose().mmul(y).mul(c - 1));
    b.add(y.transpose().mul(c));
  }
  const chol = new CholeskyDecomposition(A);
  expect(chol.isPositiveDefinite()).toBe(true);
  return chol.solve(b).getColumn(0);
}

/**
 * The objective from its definition, over every (user, item) pair of the dense matrices:
 * Σ c·(p − xᵀy)² + λ(‖X‖² + ‖Y‖²), with p = 1 and c = 1 + α·w on observed pairs, p = 0 and c = 1
 * elsewhere, divided by the total confidence mass Σ c (the normalisation alsLoss documents).
 */
function denseLoss(d: Dataset, X: Float32Array, Y: Float32Array, f: number, alpha: number, reg: number): number {
  const nUsers = d.userIds.length;
  const nItems = d.itemIds.length;
  const toMatrix = (M: Float32Array, n: number): Matrix => {
    const out = new Matrix(n, f);
    for (let r = 0; r < n; r++) out.setRow(r, Array.from(M.subarray(r * f, r * f + f)));
    return out;
  };
  const Xm = toMatrix(X, nUsers);
  const Ym = toMatrix(Y, nItems);
  const S = Xm.mmul(Ym.transpose());
  const P = Matrix.zeros(nUsers, nItems);
  const Cm = Matrix.ones(nUsers, nItems);
  for (let u = 0; u < nUsers; u++) {
    for (let k = d.indptr[u]; k < d.indptr[u + 1]; k++) {
      P.set(u, d.indices[k], 1);
      Cm.set(u, d.indices[k], 1 + alpha * d.weights[k]);
    }
  }
  let loss = 0;
  for (let u = 0; u < nUsers; u++) for (let i = 0; i < nItems; i++) loss += Cm.get(u, i) * (P.get(u, i) - S.get(u, i)) ** 2;
  const norms = Xm.norm("frobenius") ** 2 + Ym.norm("frobenius") ** 2;
  return (loss + reg * norms) / Cm.sum();
}

const kernels: AlsKernelChoice[] = simdKernelFits(16) ? ["js", "simd"] : ["js"];

describe("ALS against a dense oracle (ml-matrix)", () => {
  // Float32 storage of x bounds the JS kernel's agreement (measured ≤ 6e-8 relative here); the
  // SIMD kernel also runs the sparse half of every CG product in float32 (measured ≤ 1e-6).
  const tolerance: Record<AlsKernelChoice, number> = { js: 1e-6, simd: 1e-5, auto: 1e-5 };

  for (const kernel of kernels) {
    it(`solveRange (${kernel} kernel) with enough CG steps converges to the exact row solution`, () => {
      for (const [seed, f] of [[1, 16], [2, 32], [3, 48]] as const) {
        const rng = mulberry32(seed);
        const nUsers = 12;
        const nItems = 40;
        const alpha = 3;
        const reg = 0.5;
        const d = randomDataset(rng, nUsers, nItems, 15);
        const Y = randomFactors(rng, nItems * f, 0.3);
        const X = randomFactors(rng, nUsers * f, 0.3);
        // Warm start anywhere: CG from a random x must still land on the solution.
        solveRange(X, Y, gram(Y, nItems, f, reg), d, f, alpha, 3 * f, 0, nUsers, cgScratch(f), undefined, kernel);
        for (let u = 0; u < nUsers; u++) {
          const exact = exactRow(d, Y, u, f, alpha, reg, nItems);
          const scale = Math.max(...exact.map(Math.abs));
          const worst = Math.max(...exact.map((v, a) => Math.abs(v - X[u * f + a])));
          expect(worst / scale, `seed ${seed}, f ${f}, user ${u}`).toBeLessThan(tolerance[kernel]);
        }
      }
    });
  }

  it("solveRange (js kernel) converges for factor counts the SIMD kernel does not take", () => {
    for (const [seed, f] of [[4, 1], [5, 5], [6, 13]] as const) {
      const rng = mulberry32(seed);
      const nUsers = 8;
      const nItems = 25;
      const d = randomDataset(rng, nUsers, nItems, 10);
      const Y = randomFactors(rng, nItems * f, 0.3);
      const X = new Float32Array(nUsers * f);
      solveRange(X, Y, gram(Y, nItems, f, 0.2), d, f, 7, 3 * f, 0, nUsers, cgScratch(f), undefined, "js");
      for (let u = 0; u < nUsers; u++) {
        const exact = exactRow(d, Y, u, f, 7, 0.2, nItems);
        const scale = Math.max(...exact.map(Math.abs));
        expect(Math.max(...exact.map((v, a) => Math.abs(v - X[u * f + a]))) / scale, `seed ${seed}, f ${f}, user ${u}`).toBeLessThan(1e-6);
      }
    }
  });

  it("computes the loss a dense brute-force sum over every pair gives, for random and for trained factors", () => {
    const rng = mulberry32(9);
    const f = 16;
    const d = randomDataset(rng, 20, 30, 12);
    const nUsers = d.userIds.length;
    const nItems = d.itemIds.length;
    const X = randomFactors(rng, nUsers * f, 0.4);
    const Y = randomFactors(rng, nItems * f, 0.4);
    const dense = denseLoss(d, X, Y, f, 4, 0.3);
    expect(alsLoss(X, Y, d, nUsers, nItems, f, 4, 0.3)).toBeCloseTo(dense, 10);
    // trainAls reports the loss through the Gram matrices it already has (never the pair sum):
    // it must agree with the definition on the factors it returns.
    const params = { factors: f, iterations: 4, regularization: 0.3, alpha: 4, cgSteps: 3, seed: 2 };
    const fit = trainAls(d, transpose(d), nUsers, nItems, params);
    const trained = denseLoss(d, fit.userFactors, fit.itemFactors, f, 4, 0.3);
    expect(fit.losses.at(-1)! / trained).toBeCloseTo(1, 8);
    expect(trained).toBeLessThan(dense); // and it did train: the loss is below random factors'
  });
});
