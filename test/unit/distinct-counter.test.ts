// The upload's bounded distinct counts: exact up to the exact limit, then within a few percent of
// the truth, whatever the repetition of values.
import { describe, expect, it } from "vitest";
import { DistinctCounter } from "../../src/engine/distinct-counter.js";

function count(n: number, exactLimit?: number): DistinctCounter {
  const c = new DistinctCounter(exactLimit);
  for (let i = 0; i < n; i++) {
    c.add(`u${i}`);
    // Repeats must not count: every third value comes again later.
    if (i % 3 === 0) c.add(`u${i >> 1}`);
  }
  return c;
}

describe("DistinctCounter", () => {
  it("counts exactly up to the exact limit", () => {
    for (const n of [0, 1, 3, 1000, 65_536]) {
      const c = count(n);
      expect(c.exact).toBe(true);
      expect(c.count()).toBe(n);
    }
  });

  it("estimates within 3% past the limit, and repeats after the switch do not count", () => {
    for (const n of [65_537, 200_000, 1_000_000]) {
      const c = count(n);
      expect(c.exact).toBe(false);
      expect(Math.abs(c.count() - n) / n).toBeLessThan(0.03);
      for (let i = 0; i < 1000; i++) c.add(`u${i}`);
      expect(Math.abs(c.count() - n) / n).toBeLessThan(0.03);
    }
  });

  it("estimates within 3% when the switch happens early (small exact limit)", () => {
    const c = count(300_000, 1000);
    expect(Math.abs(c.count() - 300_000) / 300_000).toBeLessThan(0.03);
  });
});
