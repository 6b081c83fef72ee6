// The sequential softmax MF (Plackett-Luce) against an independent float64 reference of its
// objective: the kernel's gradient against central finite differences, the SIMD kernel against
// the scalar fallback, determinism, abort, warm start, and the fitted model against popularity
// on the data bank's short-history case.
import { describe, expect, it } from "vitest";
import { AbortedError, DatasetBuilder, InvalidParamsError, NumericOverflowError, bankCase, validationSplit, type Dataset } from "../../src/engine/index.js";
import { DEFAULT_SOFTMAX, drawOrder, evaluateBlocks, trainSequentialSoftmax, type SoftmaxFit, type SoftmaxProblem } from "../../src/engine/sequential-softmax.js";
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
  const np = 2 * Math.ceil(nItems / 16);
  const fk = f + (f & 1);
  const blocks = Int32Array.from([0, Math.min(nUsers, 8), nUsers]);
  const Yp = new Float32Array(np * fk * 8);
  for (let j = 0; j < nItems; j++) for (let a = 0; a < f; a++) Yp[(j >> 3) * fk * 8 + a * 8 + (j & 7)] = Y[j * f + a];
  const cp = new Float32Array(np * 8).fill(-1e30);
  cp.set(c);
  return {
    nUsers, nItems, f, fk, np, blocks, seqPtr: d.indptr, seq: drawOrder(d, 3), X: Float32Array.from(X), Yp, cp,
    gX: new Float64Array(nUsers * f), gYParts: new Float32Array(2 * np * fk * 8), gcParts: new Float32Array(2 * np * 8), lossParts: new Float64Array(2),
  };
}

describe("sequential softmax gradient", () => {
  // An odd factor count (the kernel pads it to even) and 19 items (13 padding items in 4 panels).
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
    const { np, fk } = pr;
    for (let k = 0; k < X.length; k++) expect(pr.gX[k]).toBeCloseTo(fd(X, k), 3);
    for (let j = 0; j < 19; j++) {
      for (let a = 0; a < f; a++) {
        const o = (j >> 3) * fk * 8 + a * 8 + (j & 7);
        expect(pr.gYParts[o] + pr.gYParts[np * fk * 8 + o]).toBeCloseTo(fd(Y, j * f + a), 3);
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

describe("sequential softmax numerics", () => {
  it("keeps the loss finite and non-negative when the draws' mass underflows float32", () => {
    // Item 0 (logit 100) is drawn first, then item 1 (logit 0): at the second draw every item
    // left is 100 below the row's maximum, where float32's exp is 0.
    const b = new DatasetBuilder();
    b.setIds(["u"], ["a", "b", "c"]);
    b.addIndexed(0, 0, 1, 1);
    b.addIndexed(0, 1, 1, 2);
    const d = b.build();
    const pr = problemAt(d, 2, new Float64Array(2), new Float64Array(6), Float64Array.from([100, 0, 0]));
    evaluateBlocks(pr, 0, 2);
    const loss = pr.lossParts[0] + pr.lossParts[1];
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeGreaterThanOrEqual(0);
    expect(loss).toBeLessThan(1);
  });
});

describe("draw order", () => {
  it("follows the timestamps and breaks ties by a seeded random order", () => {
    const d = smallData(30, 40, 12, 6);
    const a = drawOrder(d, 1);
    for (let u = 0; u < 30; u++) {
      const time = new Map<number, number>();
      for (let k = d.indptr[u]; k < d.indptr[u + 1]; k++) time.set(d.indices[k], d.timestamps![k]);
      for (let k = d.indptr[u] + 1; k < d.indptr[u + 1]; k++) expect(time.get(a[k])!).toBeGreaterThanOrEqual(time.get(a[k - 1])!);
      expect(Array.from(a.subarray(d.indptr[u], d.indptr[u + 1])).sort((x, y) => x - y)).toEqual(Array.from(d.indices.subarray(d.indptr[u], d.indptr[u + 1])));
    }
    expect(drawOrder(d, 1)).toEqual(a);
    expect(drawOrder(d, 2)).not.toEqual(a);
  });

  it("draws rows without a timestamp first, and uses a random order without timestamps", () => {
    const b = new DatasetBuilder();
    b.setIds(["u"], ["a", "b", "c", "d"]);
    b.addIndexed(0, 0, 1, 30);
    b.addIndexed(0, 1, 1);
    b.addIndexed(0, 2, 1, 10);
    b.addIndexed(0, 3, 1, 20);
    expect(Array.from(drawOrder(b.build(), 1))).toEqual([1, 2, 3, 0]);
    const untimed = smallData(40, 30, 10, 2);
    delete untimed.timestamps;
    const orders = [1, 2].map((seed) => drawOrder(untimed, seed));
    expect(orders[0]).not.toEqual(orders[1]);
    expect(orders[0]).not.toEqual(untimed.indices);
  });
});

describe("trainSequentialSoftmax", () => {
  const d = smallData(60, 50, 10, 9);
  const p = { ...DEFAULT_SOFTMAX, factors: 8, iterations: 8, seed: 4 };
  const bits = (fit: SoftmaxFit): Buffer[] => [fit.userFactors, fit.itemFactors, fit.itemBias].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));

  it("is deterministic for a seed and lowers the loss every iteration", () => {
    const a = trainSequentialSoftmax(d, p);
    const b = trainSequentialSoftmax(d, p);
    expect(bits(a).every((x, i) => x.equals(bits(b)[i]))).toBe(true);
    expect(a.losses).toEqual(b.losses);
    expect(a.iterations).toBe(8);
    for (let i = 1; i < a.losses.length; i++) expect(a.losses[i]).toBeLessThan(a.losses[i - 1]);
    expect(a.userFactors.length).toBe(60 * 8);
    expect(a.itemFactors.length).toBe(50 * 8);
    expect(a.itemBias.length).toBe(50);
    const other = trainSequentialSoftmax(d, { ...p, seed: 5 });
    expect(bits(other)[0].equals(bits(a)[0])).toBe(false);
  });

  it("rejects bad parameters", () => {
    for (const bad of [{ factors: 0 }, { factors: 1025 }, { iterations: 0 }, { iterations: 1001 }, { userRegularization: -1 }, { itemRegularization: -0.5 }, { factors: 2.5 }]) {
      expect(() => trainSequentialSoftmax(d, { ...p, ...bad })).toThrow(InvalidParamsError);
    }
    expect(() => trainSequentialSoftmax(d, p, { init: { userFactors: new Float32Array(3), itemFactors: new Float32Array(400), itemBias: new Float32Array(50) } })).toThrow(InvalidParamsError);
  });

  it("stops with AbortedError when the signal is raised", () => {
    const signal = { aborted: false };
    const seen: number[] = [];
    expect(() => trainSequentialSoftmax(d, p, { signal, onProgress: (pr) => { seen.push(pr.iteration); if (pr.iteration === 2) signal.aborted = true; } })).toThrow(AbortedError);
    expect(seen).toEqual([1, 2]);
  });

  it("reports progress once per iteration", () => {
    const fractions: number[] = [];
    const fit = trainSequentialSoftmax(d, { ...p, iterations: 4 }, { onProgress: (pr) => fractions.push(pr.fraction) });
    expect(fractions).toEqual([0.25, 0.5, 0.75, 1]);
    expect(fit.losses.length).toBe(4);
  });

  it("throws NumericOverflowError when the loss is not finite", () => {
    const huge = (n: number): Float32Array => new Float32Array(n).fill(1e30);
    expect(() => trainSequentialSoftmax(d, p, { init: { userFactors: huge(60 * 8), itemFactors: huge(50 * 8), itemBias: new Float32Array(50) } })).toThrow(NumericOverflowError);
  });
});

describe("sequential softmax on the data bank", () => {
  const c = bankCase("short-history", "small", 1);
  const f = DEFAULT_SOFTMAX.factors;

  it("warm-started from a fit on less data, reaches a lower loss sooner than a cold start", () => {
    const part = validationSplit(c.train, 7).train;
    const first = trainSequentialSoftmax(part, { ...DEFAULT_SOFTMAX, iterations: 30 });
    const p = { ...DEFAULT_SOFTMAX, iterations: 10 };
    const warm = trainSequentialSoftmax(c.train, p, { init: first });
    const cold = trainSequentialSoftmax(c.train, p);
    warm.losses.forEach((l, i) => expect(l).toBeLessThan(cold.losses[i]));
  });

  it("beats popularity clearly on the holdout of the short-history case", () => {
    const { train, test } = c;
    const fit = trainSequentialSoftmax(train, DEFAULT_SOFTMAX);
    const nItems = train.itemIds.length;
    const popularity = new Float64Array(nItems);
    for (const j of train.indices) popularity[j]++;
    const model = holdoutNdcg(train, test, (u, out) => {
      for (let j = 0; j < nItems; j++) {
        let v = fit.itemBias[j];
        for (let a = 0; a < f; a++) v += fit.userFactors[u * f + a] * fit.itemFactors[j * f + a];
        out[j] = v;
      }
    });
    const baseline = holdoutNdcg(train, test, (_, out) => out.set(popularity));
    // Measured 1.965× (60 iterations; 1.91× at 30); the research's large case gives 1.86-1.88×.
    expect(model / baseline).toBeGreaterThan(1.85);
  });
});

/** NDCG@10 of the held-out items, training items excluded, ties toward the lower item index. */
function holdoutNdcg(train: Dataset, test: Int32Array[], score: (u: number, out: Float64Array) => void): number {
  const nItems = train.itemIds.length;
  const s = new Float64Array(nItems);
  const seen = new Uint8Array(nItems);
  let sum = 0;
  let users = 0;
  for (let u = 0; u < test.length; u++) {
    if (test[u].length === 0) continue;
    score(u, s);
    for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) seen[train.indices[k]] = 1;
    let dcg = 0;
    for (const h of test[u]) {
      let rank = 0;
      for (let j = 0; j < nItems; j++) if (!seen[j] && (s[j] > s[h] || (s[j] === s[h] && j < h))) rank++;
      if (rank < 10) dcg += 1 / Math.log2(rank + 2);
    }
    let idcg = 0;
    for (let i = 0; i < Math.min(test[u].length, 10); i++) idcg += 1 / Math.log2(i + 2);
    for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) seen[train.indices[k]] = 0;
    sum += dcg / idcg;
    users++;
  }
  return sum / users;
}
