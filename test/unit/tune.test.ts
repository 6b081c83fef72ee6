// TuneModel's search in the engine: deterministic for a seed, cancellable between and inside
// trials, never scored on the holdout it reports, and refusing empty spaces and budgets.
import { describe, expect, it } from "vitest";
import {
  AbortedError, DEFAULT_SPACE, DatasetBuilder, InvalidParamsError, SoftmaxCost, bankCase, candidates, checkSearch, chooseWinner, holdoutSplit, resolveParams, tune, validationSplit,
  type Algorithm, type FitParams, type Trial,
} from "../../src/engine/index.js";

const data = bankCase("planted-taste", "small", 2).train;
const small = { ...DEFAULT_SPACE, factors: { min: 4, max: 16 }, iterations: { min: 2, max: 4 }, neighbors: { min: 10, max: 40 }, softmaxIterations: { min: 3, max: 6 } };

describe("tune", () => {
  it("gives the same leaderboard and the same model for the same seed", () => {
    const run = (): ReturnType<typeof tune> => tune(data, { space: small, budget: { maxTrials: 5, timeBudgetMs: 0 }, evalK: 10, seed: 9 });
    const a = run();
    const b = run();
    expect(a.leaderboard.map((t) => [t.index, t.score, t.params])).toEqual(b.leaderboard.map((t) => [t.index, t.score, t.params]));
    expect(a.leaderboard).toHaveLength(5);
    // The winner is the leader, or the defaults when the leader only wins by noise (chooseWinner).
    expect(a.best === a.leaderboard[0] || a.best.index < 3).toBe(true);
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
    // The softmax's defaults once per draw order a timestamped dataset allows.
    expect(seen.slice(0, 5).map((p) => (p.algorithm === "sequential_softmax" ? `${p.algorithm} ${p.softmax.order}` : p.algorithm)))
      .toEqual(["als", "item_knn", "sequential_softmax oldest-first", "sequential_softmax newest-first", "popularity"]);
    const { factors, iterations, regularization, alpha, neighbors, softmaxRegularization, softmaxIterations } = DEFAULT_SPACE;
    const inside = (x: number, r: { min: number; max: number }): boolean => x >= r.min && x <= r.max;
    for (const p of seen.slice(5)) {
      if (p.algorithm === "als") {
        expect([inside(p.als.factors, factors), inside(p.als.iterations, iterations), inside(p.als.regularization, regularization), inside(p.als.alpha, alpha)]).toEqual([true, true, true, true]);
      } else if (p.algorithm === "item_knn") {
        expect(inside(p.knn.neighbors, neighbors)).toBe(true);
      } else if (p.algorithm === "sequential_softmax") {
        // Drawn factors stop at 32: the softmax's cost grows with them, and more did not help.
        expect([inside(p.softmax.factors, { min: factors.min, max: 32 }), inside(p.softmax.itemRegularization, softmaxRegularization), inside(p.softmax.iterations, softmaxIterations)]).toEqual([true, true, true]);
      } else throw new Error("popularity is drawn once, first");
    }
    expect(new Set(seen.map((p) => p.algorithm))).toEqual(new Set(["als", "item_knn", "sequential_softmax", "popularity"]));
    // Perturbations of the best so far stay inside the space too, even from its edge.
    const edge: FitParams = { algorithm: "als", als: { ...(seen[0] as Extract<FitParams, { algorithm: "als" }>).als, factors: factors.max, regularization: regularization.min } };
    const local: FitParams[] = [];
    for (const p of candidates(DEFAULT_SPACE, 4, () => edge)) {
      local.push(p);
      if (local.length === 40) break;
    }
    const perturbed = local.slice(5).filter((p) => p.algorithm === "als" && p.als.factors >= factors.max / 2 && p.als.regularization <= regularization.min * 3);
    expect(perturbed.length).toBeGreaterThanOrEqual(15); // every other draw is a neighbour of the best
    for (const p of perturbed) if (p.algorithm === "als") expect([inside(p.als.factors, factors), inside(p.als.regularization, regularization), inside(p.als.alpha, alpha), inside(p.als.iterations, iterations)]).toEqual([true, true, true, true]);
    // Defaults outside a narrowed space are left out rather than tried anyway.
    const narrowed = candidates(small, 4);
    const first = [narrowed.next().value, narrowed.next().value] as FitParams[];
    expect(first[0].algorithm).toBe("popularity"); // the ALS, kNN and softmax defaults (15 sweeps, 200 neighbours, 60 iterations) are outside
    const drawn = first[1];
    expect(drawn.algorithm === "als" ? drawn.als.factors <= 16 && drawn.als.iterations <= 4
      : drawn.algorithm === "item_knn" ? drawn.knn.neighbors <= 40
        : drawn.algorithm === "sequential_softmax" && drawn.softmax.factors <= 16 && drawn.softmax.iterations <= 6).toBe(true);
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

  it("skips a softmax candidate that would outlast the time budget, and says so", () => {
    // Each softmax candidate costs users × items × 64 factors × 1000 iterations; the budget holds half of it.
    const space = { ...small, algorithms: ["sequential_softmax", "als"] as Algorithm[], softmaxIterations: { min: 1000, max: 1000 }, factors: { min: 64, max: 64 } };
    const budgetMs = new SoftmaxCost().expectedMs(data, { factors: 64, iterations: 1000 }) / 2;
    const messages: string[] = [];
    let clock = 0;
    const r = tune(data, { space, budget: { maxTrials: 4, timeBudgetMs: budgetMs }, evalK: 10, seed: 9 }, { now: () => (clock += 1), onProgress: (_, m) => messages.push(m) });
    expect(r.leaderboard.map((t) => t.params.algorithm)).toEqual(["als", "als", "als", "als"]);
    expect(messages.some((m) => m.startsWith("trial skipped, it would outlast the budget") && m.includes("sequential_softmax f=64"))).toBe(true);
    // With nothing else to try, the search refuses rather than overrunning the budget.
    expect(() => tune(data, { space: { ...space, algorithms: ["sequential_softmax"] }, budget: { maxTrials: 4, timeBudgetMs: budgetMs }, evalK: 10, seed: 9 }, { now: () => (clock += 1) }))
      .toThrow(/time_budget: too short for any candidate/);
  });

  it("refuses an empty range, an empty list and a budget of 0, naming the field", () => {
    const budget = { maxTrials: 3, timeBudgetMs: 0 };
    expect(() => checkSearch({ ...small, factors: { min: 16, max: 8 } }, budget)).toThrow(/space\.factors/);
    expect(() => checkSearch({ ...small, regularization: { min: -1, max: 1 } }, budget)).toThrow(/space\.regularization/);
    expect(() => checkSearch({ ...small, algorithms: [] }, budget)).toThrow(/space\.algorithms/);
    expect(() => checkSearch({ ...small, scaling: [] }, budget)).toThrow(/space\.scaling/);
    expect(() => checkSearch({ ...small, softmaxIterations: { min: 50, max: 20 } }, budget)).toThrow(/space\.softmax_iterations/);
    expect(() => checkSearch({ ...small, softmaxRegularization: { min: -1, max: 1 } }, budget)).toThrow(/space\.softmax_regularization/);
    expect(() => checkSearch(small, { maxTrials: 0, timeBudgetMs: 0 })).toThrow(InvalidParamsError);
    expect(() => checkSearch(small, { maxTrials: 0, timeBudgetMs: 0 })).toThrow(/budget\.max_trials/);
  });

  it("keeps the defaults when the leader beats them by less than one standard error, user by user", () => {
    const defaults = resolveParams({ algorithm: "als", seed: 1 });
    const other = resolveParams({ algorithm: "als", seed: 1, als: { factors: 64 } });
    const trial = (index: number, params: FitParams, score: number): Trial => ({ index, params, score, seconds: 0 });
    const users = 400;
    const base = Float64Array.from({ length: users }, (_, j) => ((j * 37) % 11) / 10);
    // Noise: the leader wins on some users and loses on others, +0.002 on average.
    const noisy = Float64Array.from(base, (x, j) => x + (j % 2 === 0 ? 0.3 : -0.296));
    // A real gain: +0.05 on every user.
    const better = Float64Array.from(base, (x) => x + 0.05);
    const isDefaults = (t: Trial): boolean => t.index === 0;
    const ref = trial(0, defaults, 0.5);
    const noiseLeader = trial(1, other, 0.502);
    expect(chooseWinner([noiseLeader, ref], new Map([[0, base], [1, noisy]]), isDefaults)).toBe(ref);
    const realLeader = trial(1, other, 0.55);
    expect(chooseWinner([realLeader, ref], new Map([[0, base], [1, better]]), isDefaults)).toBe(realLeader);
    // Without per-user scores (popularity's trial) the leader stands.
    expect(chooseWinner([noiseLeader, ref], new Map(), isDefaults)).toBe(noiseLeader);
  });

  it("carves its validation split by time when the data has timestamps, short histories included", () => {
    const b = new DatasetBuilder();
    b.setIds(["u0", "u1"], ["i0", "i1", "i2", "i3", "i4"]);
    // u0: five interactions whose times are not in item order; u1: two.
    [[0, 40], [1, 10], [2, 50], [3, 20], [4, 30]].forEach(([item, t]) => b.addIndexed(0, item, 1, t));
    [[3, 5], [1, 7]].forEach(([item, t]) => b.addIndexed(1, item, 1, t));
    const d = b.build();
    const split = holdoutSplit(d, { seed: 3 });
    // The holdout took u0's newest (item 2, t = 50); the times stay with the training part…
    expect(Array.from(split.test[0])).toEqual([2]);
    expect(split.train.timestamps).toBeDefined();
    // …so validation takes the newest of what is left (item 0, t = 40), and u1's newest too.
    const v = validationSplit(split.train, 3);
    expect(Array.from(v.test[0])).toEqual([0]);
    expect(Array.from(v.test[1])).toEqual([1]);
  });
});
