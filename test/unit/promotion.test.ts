import { describe, expect, it } from "vitest";
import { evaluateOnHoldout, Recommender, syntheticDataset, trainModel } from "../../src/engine/index.js";
import { decide } from "../../src/worker/promotion.js";

describe("promotion decide()", () => {
  const facts = { candidateModelId: "m_new", candidateScore: 0.3, baselineScore: 0.1 };
  it.each([
    ["a new alias, candidate beats popularity", { ...facts, current: null }, "DECISION_PROMOTED", true, 0.1],
    ["a new alias, candidate loses to popularity", { ...facts, candidateScore: 0.05, current: null }, "DECISION_NOT_BETTER", false, 0.1],
    ["a tie with popularity keeps nothing", { ...facts, candidateScore: 0.1, current: null }, "DECISION_NOT_BETTER", false, 0.1],
    ["candidate beats the current model", { ...facts, current: { modelId: "m_old", score: 0.2 } }, "DECISION_PROMOTED", true, 0.2],
    ["candidate loses to the current model", { ...facts, current: { modelId: "m_old", score: 0.4 } }, "DECISION_NOT_BETTER", false, 0.4],
    ["a tie keeps what is serving", { ...facts, current: { modelId: "m_old", score: 0.3 } }, "DECISION_NOT_BETTER", false, 0.3],
    ["a current model this caller could not score is not replaced", { ...facts, current: { modelId: "m_other", score: undefined } }, "DECISION_ALIAS_CHANGED", false, Number.NaN],
    ["the alias already names the candidate (a retried task)", { ...facts, current: { modelId: "m_new", score: undefined } }, "DECISION_PROMOTED", false, 0.3],
    ["a NaN candidate never wins", { ...facts, candidateScore: Number.NaN, current: null }, "DECISION_NOT_BETTER", false, 0.1],
  ] as const)("%s", (_name, f, decision, write, bar) => {
    const d = decide(f);
    expect(d.decision).toBe(decision);
    expect(d.write).toBe(write);
    expect(d.bar).toEqual(bar);
  });
});

describe("evaluateOnHoldout", () => {
  it("scores a model trained on the split exactly as the training's own evaluation did", () => {
    const d = syntheticDataset({ users: 300, items: 150, interactions: 6000, seed: 3 });
    expect(d.rows).toBe(6000);
    for (const algorithm of ["als", "item_knn", "popularity"] as const) {
      const r = trainModel(d, { algorithm, evaluate: true, evalK: 10, seed: 5, als: { factors: 8, iterations: 3 } });
      const e = evaluateOnHoldout(new Recommender(r.model), d, r.holdout!, 10);
      expect(e.metrics["ndcg@10"]).toBeCloseTo(r.evaluation!.metrics["ndcg@10"], 12);
      expect(e.users).toBe(r.evaluation!.users);
    }
  });
});
