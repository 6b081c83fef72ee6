// The sequential-softmax thread team against the serial executor: the same fit bit for bit, from
// real helper threads. Helper threads run compiled code, so the team is loaded from dist/ (built
// by `npm test`).
import { describe, expect, it } from "vitest";
import { bankCase, DEFAULT_SOFTMAX, trainSequentialSoftmax, type SoftmaxFit } from "../../src/engine/index.js";
import type * as TeamModule from "../../src/worker/softmax-team.js";

const { SoftmaxTeam } = (await import(new URL("../../dist/worker/softmax-team.js", import.meta.url).href)) as typeof TeamModule;

const bits = (fit: SoftmaxFit): Buffer => Buffer.concat([fit.userFactors, fit.itemFactors, fit.itemBias].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));

describe("SoftmaxTeam", () => {
  const data = bankCase("power-law-sequence", "small", 2).train;
  const p = { ...DEFAULT_SOFTMAX, factors: 12, iterations: 6, seed: 3 };

  it("gives a bit-identical fit with 1, 2 and 3 threads", async () => {
    const one = trainSequentialSoftmax(data, p);
    for (const threads of [2, 3]) {
      const team = new SoftmaxTeam(threads);
      try {
        const many = trainSequentialSoftmax(data, p, { executor: team });
        expect(bits(many).equals(bits(one))).toBe(true);
        expect(many.losses).toEqual(one.losses);
      } finally {
        await team.close();
      }
    }
  });

  it("serves one fit after another (a search, then a warm-started refit)", async () => {
    const team = new SoftmaxTeam(2);
    try {
      const first = trainSequentialSoftmax(data, { ...p, factors: 4 }, { executor: team });
      expect(bits(first).equals(bits(trainSequentialSoftmax(data, { ...p, factors: 4 })))).toBe(true);
      const refit = trainSequentialSoftmax(data, { ...p, factors: 4, iterations: 3 }, { executor: team, init: first });
      expect(bits(refit).equals(bits(trainSequentialSoftmax(data, { ...p, factors: 4, iterations: 3 }, { init: first })))).toBe(true);
    } finally {
      await team.close();
    }
  });

  it("refuses a problem it did not allocate", () => {
    const team = new SoftmaxTeam(2);
    const plain = { alloc32: (n: number) => new Float32Array(n), alloc64: (n: number) => new Float64Array(n), evaluate: (pr: Parameters<typeof team.evaluate>[0]) => team.evaluate(pr) };
    expect(() => trainSequentialSoftmax(data, p, { executor: plain })).toThrow(/alloc32/);
  });
});
