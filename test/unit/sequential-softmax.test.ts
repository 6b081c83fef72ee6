// The sequential softmax MF (Plackett-Luce) against an independent float64 reference of its
// objective: the kernel's gradient against central finite differences, the SIMD kernel against
// the scalar fallback, determinism, abort, warm start, and the fitted model against popularity
// on the data bank's short-history case.
import { describe, expect, it } from "vitest";
import { AbortedError, InvalidParamsError, DatasetBuilder, bankCase, type Dataset } from "../../src/engine/index.js";
import { DEFAULT_SOFTMAX, drawOrder, evaluateBlocks, serialSoftmax, trainSequentialSoftmax, type SoftmaxProblem } from "../../src/engine/sequential-softmax.js";
import { newSoftmaxKernel, simdSoftmaxAvailable } from "../../src/engine/softmax-kernel.js";
import { mulberry32, gaussian } from "../../src/engine/random.js";

/** A small random dataset: `users` users with 0…maxLen distinct items each, with timestamps (some tied). */
function smallData(users: number, items: number, maxLen: number, seed: number): Dataset {
  const rng = mulberry32(seed);
  const b = new DatasetBuilder();
  b.setIds(Array.from({ length: users }, (_, u) => `u${u}`), Array.from({ length: items }, (_, i) => `i${i}`));
  for (let u = 0; u < users; u++) {
    const len = Math.floor(rng() * (maxLen + 1));
    const chosen = new Set<number>();
    while (chosen.size < len) chosen.add(Math.floor(rng() * items));
    for (const i of chosen) b.addIndexed(u, i, 1, Math.floor(rng() * 5));
  }
  return b.build();
}

/** −Σ log-lik in float64 from the definition (the order from drawOrder), no ridge. */
function referenceLoss(d: Dataset, seq: Int32Array, X: Float64Array, Y: Float64Array, c: Float64Array, f: number): number {
  const nItems = d.itemIds.length;
  let loss = 0;
  for (let u = 0; u < d.userIds.length; u++) {
    const l = new Float64Array(nItems);
    for (let j = 0; j < nItems; j++) {
      let s = c[j];
      for (let a = 0; a < f; a++) s += X[u * f + a] * Y[j * f + a];
      l[j] = s;
    }
    const drawn = new Uint8Array(nItems);
    for (let t = d.indptr[u]; t < d.indptr[u + 1]; t++) {
      let z = 0;
      for (let j = 0; j < nItems; j++) if (!drawn[j]) z += Math.exp(l[j]);
      loss -= l[seq[t]] - Math.log(z);
      drawn[seq[t]] = 1;
    }
  }
  return loss;
}

/** A problem on the serial executor at the given float64 parameters (rounded to float32). */
function problemAt(d: Dataset, f: number, X: Float64Array, Y: Float64Array, c: Float64Array): SoftmaxProblem {
  const nUsers = d.userIds.length;
  const nItems = d.itemIds.length;
  const np = Math.ceil(nItems / 8);
  const blocks = Int32Array.from([0, Math.min(nUsers, 8), nUsers]);
  const Yp = new Float32Array(np * f * 8);
  for (let j = 0; j < nItems; j++) for (let a = 0; a < f; a++) Yp[(j >> 3) * f * 8 + a * 8 + (j & 7)] = Y[j * f + a];
  const cp = new Float32Array(np * 8).fill(-1e30);
  cp.set(c);
  return {
    nUsers, nItems, f, np, blocks, seqPtr: d.indptr, seq: drawOrder(d, 3), X: Float32Array.from(X), Yp, cp,
    gX: new Float64Array(nUsers * f), gYParts: new Float32Array(2 * np * f * 8), gcParts: new Float32Array(2 * np * 8), lossParts: new Float64Array(2),
  };
}

describe("sequential softmax gradient", () => {
  const f = 5;
  const d = smallData(11, 19, 8, 4);
  const rng = mulberry32(8);
  const X = Float64Array.from({ length: 11 * f }, () => 0.5 * gaussian(rng));
  const Y = Float64Array.from({ length: 19 * f }, () => 0.5 * gaussian(rng));
  const c = Float64Array.from({ length: 19 }, () => gaussian(rng));
  // Parameters exactly representable in float32, so the kernel and the reference see the same numbers.
  for (const a of [X, Y, c]) for (let k = 0; k < a.length; k++) a[k] = Math.fround(a[k]);

  it("matches the float64 definition and its central finite differences", () => {
    const pr = problemAt(d, f, X, Y, c);
    evaluateBlocks(pr, 0, 2);
    const loss = pr.lossParts[0] + pr.lossParts[1];
    const seq = pr.seq;
    expect(loss).toBeCloseTo(referenceLoss(d, seq, X, Y, c, f), 4);
    const h = 1e-4;
    const fd = (a: Float64Array, k: number): number => {
      const keep = a[k];
      a[k] = keep + h;
      const up = referenceLoss(d, seq, X, Y, c, f);
      a[k] = keep - h;
      const down = referenceLoss(d, seq, X, Y, c, f);
      a[k] = keep;
      return (up - down) / (2 * h);
    };
    const np = pr.np;
    for (let k = 0; k < X.length; k++) expect(pr.gX[k]).toBeCloseTo(fd(X, k), 3);
    for (let j = 0; j < 19; j++) {
      for (let a = 0; a < f; a++) {
        const o = (j >> 3) * f * 8 + a * 8 + (j & 7);
        expect(pr.gYParts[o] + pr.gYParts[np * f * 8 + o]).toBeCloseTo(fd(Y, j * f + a), 3);
      }
      expect(pr.gcParts[j] + pr.gcParts[np * 8 + j]).toBeCloseTo(fd(c, j), 3);
    }
  });

  it("gives the same bits with the SIMD kernel and the scalar fallback", () => {
    expect(simdSoftmaxAvailable()).toBe(true);
    const simd = problemAt(d, f, X, Y, c);
    const scalar = problemAt(d, f, X, Y, c);
    evaluateBlocks(simd, 0, 2, newSoftmaxKernel(true));
    evaluateBlocks(scalar, 0, 2, newSoftmaxKernel(false));
    expect(Array.from(scalar.lossParts)).toEqual(Array.from(simd.lossParts));
    expect(Array.from(scalar.gX)).toEqual(Array.from(simd.gX));
    expect(Array.from(scalar.gYParts)).toEqual(Array.from(simd.gYParts));
    expect(Array.from(scalar.gcParts)).toEqual(Array.from(simd.gcParts));
  });
});
