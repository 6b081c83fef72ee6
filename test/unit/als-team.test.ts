// The ALS thread team against the serial solver: same factors bit for bit, from real helper
// threads. Helper threads run compiled code, so the team is loaded from dist/ (built by `npm test`).
import { describe, expect, it } from "vitest";
import { syntheticDataset, transpose, trainAls, type AlsParams } from "../../src/engine/index.js";
import type * as TeamModule from "../../src/worker/als-team.js";

const { AlsTeam } = (await import(new URL("../../dist/worker/als-team.js", import.meta.url).href)) as typeof TeamModule;

describe("AlsTeam", () => {
  const d = syntheticDataset({ users: 700, items: 500, interactions: 30_000, seed: 5 });
  const Ct = transpose(d);
  const base: AlsParams = { factors: 20, iterations: 4, regularization: 0.05, alpha: 20, cgSteps: 3, seed: 9 };
  let params = base;
  const train = (threads: number): { X: Float32Array; Y: Float32Array; losses: number[] } => {
    const team = new AlsTeam(threads);
    try {
      const r = trainAls(d, Ct, d.userIds.length, d.itemIds.length, params, { executor: team });
      return { X: r.userFactors, Y: r.itemFactors, losses: r.losses };
    } finally {
      void team.close();
    }
  };

  // 20 factors run the JavaScript kernel, 32 the WebAssembly SIMD one.
  it.each([20, 32])("gives bit-identical factors with 1, 2 and 3 threads (%i factors)", (factors) => {
    params = { ...base, factors };
    const one = train(1);
    for (const threads of [2, 3]) {
      const many = train(threads);
      expect(many.X.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Buffer.from(many.X.buffer).equals(Buffer.from(one.X.buffer))).toBe(true);
      expect(Buffer.from(many.Y.buffer).equals(Buffer.from(one.Y.buffer))).toBe(true);
      // The loss sums partials in another order: equal up to rounding.
      many.losses.forEach((l, i) => expect(l).toBeCloseTo(one.losses[i], 12));
    }
  });

  it("refuses factors it did not allocate", () => {
    const team = new AlsTeam(2);
    const f = base.factors;
    const problem = { C: d, Ct, nUsers: d.userIds.length, nItems: d.itemIds.length, X: new Float32Array(d.userIds.length * f), Y: new Float32Array(d.itemIds.length * f), f, alpha: 1, cgSteps: 1 };
    expect(() => team.solve(problem, "users", new Float64Array(f * f))).toThrow(/alloc/);
  });
});

describe("AlsTeam across problems", () => {
  it("serves one problem after another (a TuneModel search) with the same results as the serial solver", async () => {
    const { bankCase, tune, DEFAULT_SPACE } = await import("../../src/engine/index.js");
    const data = bankCase("power-law-sequence", "small", 3).train;
    const space = { ...DEFAULT_SPACE, algorithms: ["als" as const], factors: { min: 4, max: 12 }, iterations: { min: 2, max: 3 } };
    const o = { space, budget: { maxTrials: 3, timeBudgetMs: 0 }, evalK: 10, seed: 2 };
    const team = new AlsTeam(2);
    try {
      const teamed = tune(data, o, { executors: { als: team } });
      const serial = tune(data, o);
      expect(teamed.leaderboard.map((t) => [t.index, t.score])).toEqual(serial.leaderboard.map((t) => [t.index, t.score]));
      expect(Buffer.from(teamed.model.userFactors!.buffer).equals(Buffer.from(serial.model.userFactors!.buffer))).toBe(true);
    } finally {
      await team.close();
    }
  });
});
