// TuneModel's search in the engine: deterministic for a seed, cancellable between and inside
// trials, never scored on the holdout it reports, and refusing empty spaces and budgets.
import { describe, expect, it } from "vitest";
import { AbortedError, DEFAULT_SPACE, InvalidParamsError, bankCase, candidates, checkSearch, tune, type FitParams } from "../../src/engine/index.js";

const data = bankCase("planted-taste", "small", 2).train;
const small = { ...DEFAULT_SPACE, factors: { min: 4, max: 16 }, iterations: { min: 2, max: 4 }, neighbors: { min: 10, max: 40 } };

describe("tune", () => {
  it("gives the same leaderboard and the same model for the same seed", () => {
    const run = (): ReturnType<typeof tune> => tune(data, { space: small, budget: { maxTrials: 5, timeBudgetMs: 0 }, evalK: 10, seed: 9 });
    const a = run();
    const b = run();
    expect(a.leaderboard.map((t) => [t.index, t.score, t.params])).toEqual(b.leaderboard.map((t) => [t.index, t.score, t.params]));
    expect(a.leaderboard).toHaveLength(5);
    expect(a.best.score).toBe(Math.max(...a.leaderboard.map((t) => t.score)));
    expect(a.model.algorithm).toBe(a.best.params.algorithm);
    const bytes = (r: typeof a): Buffer => Buffer.from((r.model.userFactors ?? r.model.neighbours?.scores ?? r.model.popularity).buffer);
    expect(bytes(a).equals(bytes(b))).toBe(true);
    // The model is trained on all the data, and its reported metrics are the holdout's, next to the defaults'.
    expect(a.model.userIds.length).toBe(data.userIds.length);
    expect(a.model.info.metrics).toEqual(a.holdout.best.metrics);
    expect(a.model.info.tune?.defaults_ndcg_10 ?? a.model.info.tune?.["defaults_ndcg@10"]).toBe(a.holdout.defaults.metrics["ndcg@10"]);
  });

  it("starts with the defaults and popularity, then draws every parameter inside the space", () => {
    const seen: FitParams[] = [];
    for (const p of candidates(DEFAULT_SPACE, 4)) {
      seen.push(p);
      if (seen.length === 40) break;
    }
    expect(seen.slice(0, 3).map((p) => p.algorithm)).toEqual(["als", "item_knn", "popularity"]);
    const { factors, iterations, regularization, alpha, neighbors } = DEFAULT_SPACE;
    const inside = (x: number, r: { min: number; max: number }): boolean => x >= r.min && x <= r.max;
    for (const p of seen.slice(3)) {
      if (p.algorithm === "als") {
        expect([inside(p.als.factors, factors), inside(p.als.iterations, iterations), inside(p.als.regularization, regularization), inside(p.als.alpha, alpha)]).toEqual([true, true, true, true]);
      } else if (p.algorithm === "item_knn") {
        expect(inside(p.knn.neighbors, neighbors)).toBe(true);
      } else throw new Error("popularity is drawn once, first");
    }
    expect(new Set(seen.map((p) => p.algorithm))).toEqual(new Set(["als", "item_knn", "popularity"]));
    // Perturbations of the best so far stay inside the space too, even from its edge.
    const edge: FitParams = { algorithm: "als", als: { ...(seen[0] as Extract<FitParams, { algorithm: "als" }>).als, factors: factors.max, regularization: regularization.min } };
    const local: FitParams[] = [];
    for (const p of candidates(DEFAULT_SPACE, 4, () => edge)) {
      local.push(p);
      if (local.length === 40) break;
    }
    const perturbed = local.slice(3).filter((p) => p.algorithm === "als" && p.als.factors >= factors.max / 2 && p.als.regularization <= regularization.min * 3);
    expect(perturbed.length).toBeGreaterThanOrEqual(15); // every other draw is a neighbour of the best
    for (const p of perturbed) if (p.algorithm === "als") expect([inside(p.als.factors, factors), inside(p.als.regularization, regularization), inside(p.als.alpha, alpha), inside(p.als.iterations, iterations)]).toEqual([true, true, true, true]);
    // Defaults outside a narrowed space are left out rather than tried anyway.
    const narrowed = candidates(small, 4);
    const first = [narrowed.next().value, narrowed.next().value] as FitParams[];
    expect(first[0].algorithm).toBe("popularity"); // the ALS and kNN defaults (15 iterations, 200 neighbours) are outside
    expect(first[1].algorithm === "als" ? first[1].als.factors <= 16 && first[1].als.iterations <= 4 : first[1].algorithm === "item_knn" && first[1].knn.neighbors <= 40).toBe(true);
  });

  it("stops with AbortedError when cancelled mid-search, after the trials already finished", () => {
    const signal = { aborted: false };
    let finished = 0;
    expect(() => tune(data, { space: small, budget: { maxTrials: 20, timeBudgetMs: 0 }, evalK: 10, seed: 9 }, {
      signal,
      onTrial: () => {
        finished++;
        if (finished === 2) signal.aborted = true;
      },
    })).toThrow(AbortedError);
    expect(finished).toBe(2);
  });

  it("ends the search at the time budget, keeping the trials that finished", () => {
    let clock = 0;
    const r = tune(data, { space: small, budget: { maxTrials: 50, timeBudgetMs: 1000 }, evalK: 10, seed: 9 }, { now: () => (clock += 300) });
    expect(r.stoppedByTime).toBe(true);
    expect(r.leaderboard.length).toBeGreaterThanOrEqual(1);
    expect(r.leaderboard.length).toBeLessThan(50);
  });

  it("refuses an empty range, an empty list and a budget of 0, naming the field", () => {
    const budget = { maxTrials: 3, timeBudgetMs: 0 };
    expect(() => checkSearch({ ...small, factors: { min: 16, max: 8 } }, budget)).toThrow(/space\.factors/);
    expect(() => checkSearch({ ...small, regularization: { min: -1, max: 1 } }, budget)).toThrow(/space\.regularization/);
    expect(() => checkSearch({ ...small, algorithms: [] }, budget)).toThrow(/space\.algorithms/);
    expect(() => checkSearch({ ...small, scaling: [] }, budget)).toThrow(/space\.scaling/);
    expect(() => checkSearch(small, { maxTrials: 0, timeBudgetMs: 0 })).toThrow(InvalidParamsError);
    expect(() => checkSearch(small, { maxTrials: 0, timeBudgetMs: 0 })).toThrow(/budget\.max_trials/);
  });
});
