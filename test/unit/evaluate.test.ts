// Offline evaluation against the straightforward evaluator it replaced (recommend() and popular()
// per user, kept here as the reference): the same metrics and baseline to the last bit for ALS
// (blocked scoring), item-kNN and popularity on bank cases, with a subsample, progress and aborts;
// and the popularity walk against popular() on ties, NaN and seen items.
import { describe, expect, it } from "vitest";
import {
  AbortedError, MetricsAccumulator, Recommender, bankCase, mulberry32, trainModel, type AbortFlag, type Algorithm, type BankShape, type Evaluation, type Model,
} from "../../src/engine/index.js";
import { evaluateRecommender, popularUnseen } from "../../src/engine/evaluate.js";

type EvalOptions = { maxUsers?: number; signal?: AbortFlag; onProgress?: (fraction: number) => void };

/** The evaluator before blocked scoring: one recommend() and one popular() per user. */
function reference(rec: Recommender, test: ArrayLike<Int32Array>, k: number, opts: EvalOptions = {}): Evaluation {
  const model = new MetricsAccumulator(k, rec.nItems);
  const baseline = new MetricsAccumulator(k, rec.nItems);
  const users: number[] = [];
  for (let u = 0; u < test.length; u++) if (test[u].length > 0) users.push(u);
  const stride = opts.maxUsers && users.length > opts.maxUsers ? users.length / opts.maxUsers : 1;
  const picked = stride === 1 ? users : Array.from({ length: opts.maxUsers! }, (_, j) => users[Math.floor(j * stride)]);
  const step = Math.max(1, Math.floor(picked.length / 10));
  picked.forEach((u, j) => {
    if ((j & 255) === 0 && opts.signal?.aborted) throw new AbortedError("aborted");
    const rel = new Set(test[u]);
    const o = { excludeSeen: true };
    model.add(rec.recommend(u, k, o).map((s) => s.index), rel);
    baseline.add(rec.popular(k, o, u).map((s) => s.index), rel);
    if (opts.onProgress && (j + 1) % step === 0) opts.onProgress((j + 1) / picked.length);
  });
  return { k, users: model.users, metrics: model.result(), baseline: baseline.result() };
}

const SHAPES: BankShape[] = ["planted-taste", "steep-popularity"];
const ALGORITHMS: Algorithm[] = ["als", "item_knn", "popularity"];

describe.each(SHAPES)("evaluateRecommender on the small %s case", (shape) => {
  const c = bankCase(shape, "small", 1);
  const models = new Map<Algorithm, Model>();
  const trained = (algorithm: Algorithm): Model => {
    let m = models.get(algorithm);
    // Few ALS iterations: the comparison needs a real model, not a good one. The blend puts an item bias on ALS.
    if (!m) models.set(algorithm, (m = trainModel(c.train, { algorithm, als: { factors: 16, iterations: 3 }, evaluate: false, evalK: 10, seed: 7 }).model));
    return m;
  };

  it.each(ALGORITHMS)("%s: the same metrics, baseline and progress as recommend()/popular() per user", (algorithm) => {
    const model = trained(algorithm);
    if (algorithm === "als") expect(model.itemBias).toBeDefined();
    for (const k of [10, 3]) {
      const seenNew: number[] = [];
      const seenOld: number[] = [];
      const fast = evaluateRecommender(new Recommender(model), c.test, k, { onProgress: (f) => seenNew.push(f) });
      const slow = reference(new Recommender(model), c.test, k, { onProgress: (f) => seenOld.push(f) });
      expect(fast.users).toBeGreaterThan(500);
      expect(fast).toStrictEqual(slow);
      expect(seenNew).toStrictEqual(seenOld);
      expect(seenNew.length).toBe(10);
    }
  });

  it("ALS: recommendMany gives every user exactly recommend()'s list (items and scores)", () => {
    const rec = new Recommender(trained("als"));
    const users = Int32Array.from({ length: c.train.userIds.length }, (_, u) => u);
    const o = { excludeSeen: true };
    let emitted = 0;
    rec.recommendMany(users, 10, o, (j, top, cold) => {
      expect(cold).toBe(false);
      expect(top).toStrictEqual(rec.recommend(users[j], 10, o));
      emitted++;
    });
    expect(emitted).toBe(users.length);
  });

  it("the popularity walk gives every user exactly popular()'s items", () => {
    const model = trained("popularity");
    const rec = new Recommender(model);
    for (const k of [1, 10, 50]) {
      const walk = popularUnseen(model, k);
      for (let u = 0; u < c.train.userIds.length; u++) expect(walk(u)).toStrictEqual(rec.popular(k, { excludeSeen: true }, u).map((s) => s.index));
    }
  });

  it.each(ALGORITHMS)("%s: a maxUsers subsample equals the reference's", (algorithm) => {
    const model = trained(algorithm);
    const fast = evaluateRecommender(new Recommender(model), c.test, 10, { maxUsers: 300 });
    expect(fast.users).toBe(300);
    expect(fast).toStrictEqual(reference(new Recommender(model), c.test, 10, { maxUsers: 300 }));
  });
});

describe("evaluateRecommender aborts", () => {
  const c = bankCase("planted-taste", "small", 1);
  const model = trainModel(c.train, { algorithm: "als", als: { factors: 8, iterations: 2 }, evaluate: false, evalK: 10, seed: 7 }).model;

  it("before any user when the signal is already aborted", () => {
    let progress = 0;
    expect(() => evaluateRecommender(new Recommender(model), c.test, 10, { signal: { aborted: true }, onProgress: () => progress++ })).toThrow(AbortedError);
    expect(progress).toBe(0);
  });

  it("within 256 users of the signal going up", () => {
    const signal = { aborted: false };
    const fractions: number[] = [];
    const users = c.test.filter((t) => t.length > 0).length;
    expect(users).toBeGreaterThan(800);
    // Raised at the first progress report (a tenth of the users), seen by the next check.
    const run = (): Evaluation => evaluateRecommender(new Recommender(model), c.test, 10, { signal, onProgress: (f) => ((signal.aborted = true), fractions.push(f)) });
    expect(run).toThrow(AbortedError);
    expect(fractions.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...fractions) * users).toBeLessThanOrEqual(Math.floor(users / 10) + 256);
    expect(Math.max(...fractions)).toBeLessThan(1);
  });

  it("also with a subsample", () => {
    const signal = { aborted: false };
    let progress = 0;
    const run = (): Evaluation => evaluateRecommender(new Recommender(model), c.test, 10, { maxUsers: 600, signal, onProgress: () => ((signal.aborted = true), progress++) });
    expect(run).toThrow(AbortedError);
    // 600 users in slices of 256, progress every 60: raised at user 60, seen at user 256.
    expect(progress).toBe(4);
  });
});

describe("popularUnseen", () => {
  it("orders as topK does: higher popularity first, the lower index on ties, NaN never, seen items skipped", () => {
    const rng = mulberry32(11);
    const nItems = 97;
    // Few distinct values: most items tie with others; a few NaN.
    const popularity = Float32Array.from({ length: nItems }, (_, i) => (i % 13 === 4 ? NaN : Math.floor(rng() * 5)));
    const users = 40;
    const ptr = new Int32Array(users + 1);
    const idx: number[] = [];
    for (let u = 0; u < users; u++) {
      // Unsorted, with repeats: the walk may not rely on sorted seen runs.
      for (let t = 0; t < (u * 7) % 60; t++) idx.push(Math.floor(rng() * nItems));
      ptr[u + 1] = idx.length;
    }
    const model: Model = {
      algorithm: "popularity", userIds: Array.from({ length: users }, (_, u) => `u${u}`), itemIds: Array.from({ length: nItems }, (_, i) => `i${i}`),
      seenPtr: ptr, seenIdx: Int32Array.from(idx), popularity, factors: 0,
      info: { params: {}, iterations: 0, finalLoss: 0, metrics: {}, baselineMetrics: {}, trainSeconds: 0, createdAt: 0 },
    };
    const rec = new Recommender(model);
    for (const k of [0, 1, 5, 20, nItems]) {
      const walk = popularUnseen(model, k);
      for (let u = 0; u < users; u++) {
        const list = walk(u);
        expect(list).toStrictEqual(rec.popular(k, { excludeSeen: true }, u).map((s) => s.index));
        for (const i of list) expect(Number.isNaN(popularity[i])).toBe(false);
      }
    }
  });
});
