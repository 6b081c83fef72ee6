// The engine's defaults on data shaped unlike the data they were built on: every generator of the
// data bank, its own holdout protocol, popularity on exactly the same users as the yardstick.
// The margins are the targets (ALS ≥ 1.5×, item-kNN ≥ 1.2× popularity NDCG@10); on the
// steep-popularity shape, where little room is left above popularity, the floor is popularity
// itself (within 1 %: the blend's model breaks popularity's near-ties its own way).
import { describe, expect, it } from "vitest";
import { BANK_SHAPES, Recommender, bankCase, decodeModel, encodeModel, evaluateRecommender, trainModel, type BankShape } from "../../src/engine/index.js";

const TARGET: Record<"als" | "item_knn" | "sequential_softmax", Record<BankShape, number>> = {
  als: { "planted-taste": 1.5, "power-law-sequence": 1.5, "heavy-counts": 1.5, "short-history": 1.5, "steep-popularity": 0.99 },
  item_knn: { "planted-taste": 1.2, "power-law-sequence": 1.2, "heavy-counts": 1.2, "short-history": 1.2, "steep-popularity": 0.99 },
  // The sequential softmax carries TuneModel's short-history target (1.8×): measured 1.93× here.
  sequential_softmax: { "planted-taste": 1.5, "power-law-sequence": 1.5, "heavy-counts": 1.5, "short-history": 1.8, "steep-popularity": 0.99 },
};

describe("the data bank", () => {
  it("is deterministic for a seed, holds out at most one item per user, never one the user kept in training", () => {
    for (const shape of BANK_SHAPES) {
      const a = bankCase(shape, "small", 3);
      const b = bankCase(shape, "small", 3);
      expect(Buffer.from(a.train.indices.buffer).equals(Buffer.from(b.train.indices.buffer))).toBe(true);
      expect(a.test.map((t) => Array.from(t))).toEqual(b.test.map((t) => Array.from(t)));
      const evaluated = a.test.filter((t) => t.length === 1).length;
      expect(evaluated).toBeGreaterThan(a.train.userIds.length * 0.5);
      for (let u = 0; u < a.test.length; u++) {
        expect(a.test[u].length).toBeLessThanOrEqual(1);
        if (a.test[u].length) expect(Array.from(a.train.indices.subarray(a.train.indptr[u], a.train.indptr[u + 1]))).not.toContain(a.test[u][0]);
      }
    }
  });

  it("has shapes that differ: counts up to 10⁴, mostly short histories, a steep head", () => {
    const maxWeight = (s: BankShape): number => bankCase(s, "small").train.weights.reduce((m, w) => Math.max(m, w), 0);
    expect(maxWeight("heavy-counts")).toBeGreaterThan(1000);
    expect(maxWeight("power-law-sequence")).toBe(1);
    const short = bankCase("short-history", "small").train;
    let shortUsers = 0;
    for (let u = 0; u < short.userIds.length; u++) if (short.indptr[u + 1] - short.indptr[u] <= 4) shortUsers++;
    expect(shortUsers / short.userIds.length).toBeGreaterThan(0.6);
    expect(short.timestamps).toBeDefined();
    const steep = bankCase("steep-popularity", "small").train;
    const counts = new Float64Array(steep.itemIds.length);
    for (const i of steep.indices) counts[i]++;
    const sorted = Array.from(counts).sort((x, y) => y - x);
    const top1pct = sorted.slice(0, Math.ceil(sorted.length / 100)).reduce((s, x) => s + x, 0);
    expect(top1pct / steep.indices.length).toBeGreaterThan(0.1);
  });
});

describe.each(BANK_SHAPES)("defaults on the %s shape", (shape) => {
  const c = bankCase(shape, "small", 1);
  for (const algorithm of ["als", "item_knn", "sequential_softmax"] as const) {
    it(`${algorithm} reaches ${TARGET[algorithm][shape]}× popularity NDCG@10 with default parameters`, () => {
      const r = trainModel(c.train, { algorithm, evaluate: false, evalK: 10, seed: 7 });
      const e = evaluateRecommender(new Recommender(r.model), c.test, 10);
      const ratio = e.metrics["ndcg@10"] / e.baseline["ndcg@10"];
      expect(ratio, `${algorithm} ${e.metrics["ndcg@10"].toFixed(4)} vs popularity ${e.baseline["ndcg@10"].toFixed(4)}`).toBeGreaterThanOrEqual(TARGET[algorithm][shape]);
      expect(r.blend).toBeDefined();
      expect(r.model.info.blend?.servedAs).toBe(r.blend!.servedAs);
    });
  }
});

describe("a model that loses to popularity", () => {
  it("is never served silently: the blend falls back to popularity order, and the training warns", () => {
    const c = bankCase("steep-popularity", "small", 1);
    // A deliberately poor ALS (1 factor, linear confidence on counts up to 10⁴).
    const bad = { algorithm: "als" as const, als: { factors: 1, iterations: 2, scaling: "linear" as const, alpha: 40 }, evalK: 10, seed: 7 };
    const blended = trainModel(c.train, { ...bad, evaluate: true });
    expect(blended.blend!.validation.model).toBeLessThan(blended.blend!.validation.popularity);
    expect(blended.blend!.servedAs).not.toBe("model");
    const raw = trainModel(c.train, { ...bad, evaluate: true, blend: "off" });
    expect(raw.evaluation!.metrics["ndcg@10"]).toBeLessThan(raw.evaluation!.baseline["ndcg@10"]);
    expect(raw.warnings.join(" ")).toMatch(/ranks below popularity on its holdout/);
    expect(raw.model.info.warnings).toEqual(raw.warnings);
  });
});

describe("the popularity blend", () => {
  it("is stored with the model: a decoded model recommends exactly what the trained one did", () => {
    const c = bankCase("short-history", "small", 1);
    for (const algorithm of ["als", "item_knn"] as const) {
      const { model, blend } = trainModel(c.train, { algorithm, evaluate: false, evalK: 10, seed: 7 });
      expect(blend!.servedAs).not.toBe("model"); // this shape needs some popularity: the bias must exist
      const back = decodeModel(encodeModel(model));
      expect(Array.from(back.itemBias!)).toEqual(Array.from(model.itemBias!));
      const a = new Recommender(model);
      const b = new Recommender(back);
      for (let u = 0; u < 200; u += 7) expect(b.recommend(u, 10, { excludeSeen: true })).toEqual(a.recommend(u, 10, { excludeSeen: true }));
    }
  });
});
