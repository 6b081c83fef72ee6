// Blocked scoring (WebAssembly SIMD tile and its scalar fallback) against each other, against a
// float64 reference and against topK over full score rows: odd factor counts, item counts that
// are not a multiple of the tile or chunk, masks, seen items, a per-item bias, and ties.
import { describe, expect, it } from "vitest";
import { BlockedScorer, Recommender, mulberry32, simdScoringAvailable, topK, type Model, type Rng, type Scored } from "../../src/engine/index.js";

/** Values on a coarse grid, so equal scores (ties) are common and exact. */
const grid = (rng: Rng, n: number): Float32Array => Float32Array.from({ length: n }, () => Math.round((rng() - 0.5) * 8) / 4);

function randomSeen(rng: Rng, users: number, items: number, perUser: number): { ptr: Int32Array; idx: Int32Array } {
  const ptr = new Int32Array(users + 1);
  const idx: number[] = [];
  for (let u = 0; u < users; u++) {
    const s = new Set<number>();
    for (let t = 0; t < perUser; t++) s.add(Math.floor(rng() * items));
    idx.push(...[...s].sort((a, b) => a - b));
    ptr[u + 1] = idx.length;
  }
  return { ptr, idx: Int32Array.from(idx) };
}

/** x·y + bias in float64, and the bound on its float32 evaluation's error. */
function reference(X: Float32Array, Y: Float32Array, u: number, i: number, f: number, bias?: Float32Array): { score: number; tol: number } {
  let s = 0;
  let mag = 0;
  for (let a = 0; a < f; a++) {
    s += X[u * f + a] * Y[i * f + a];
    mag += Math.abs(X[u * f + a] * Y[i * f + a]);
  }
  const b = bias ? bias[i] : 0;
  return { score: s + b, tol: 2 ** -23 * ((f + 1) * mag + Math.abs(s + b)) + 1e-30 };
}

const SHAPES = [
  { users: 1, items: 1, f: 1 },
  { users: 5, items: 9, f: 3 },
  { users: 67, items: 37, f: 7 },
  { users: 30, items: 1001, f: 13 },
  { users: 9, items: 530, f: 64 },
];

describe("blocked scoring", () => {
  it("has the WebAssembly SIMD kernel on this runtime", () => {
    expect(simdScoringAvailable()).toBe(true);
  });

  for (const [{ users, items, f }, values] of SHAPES.flatMap((s) => [[s, "grid"], [s, "continuous"]] as const)) {
    it(`SIMD equals scalar, and both equal topK on float32 scores (${users} users × ${items} items × ${f} factors, ${values} values)`, () => {
      const rng = mulberry32(users * 1000 + items + f);
      // Grid values tie often and add exactly; continuous ones round at every step.
      const draw = (n: number): Float32Array => (values === "grid" ? grid(rng, n) : Float32Array.from({ length: n }, () => rng() * 2 - 1));
      const X = draw(users * f);
      const Y = draw(items * f);
      const bias = Float32Array.from({ length: items }, () => Math.round(rng() * 4) / 8);
      const seen = randomSeen(rng, users, items, Math.ceil(items / 5));
      const mask = Uint8Array.from({ length: items }, () => (rng() < 0.2 ? 1 : 0));
      const k = Math.min(10, items);
      // Small blocks and chunks so that partial quads, partial panels and many chunks all occur.
      const opts = { blockQueries: 6, chunkBytes: f * 32 * 3 };
      const space = { f, nItems: items, items: Y, queries: X, bias };
      const simd = new BlockedScorer(space, { ...opts, simd: true });
      const scalar = new BlockedScorer(space, { ...opts, simd: false });
      expect(simd.simd).toBe(true);
      expect(scalar.simd).toBe(false);
      // Every third user unknown (−1): skipped by the scorer, reported as undefined in order.
      const rows = Int32Array.from({ length: users }, (_, u) => (u % 3 === 2 ? -1 : u));
      const filter = { mask, exclude: (u: number) => seen.idx.subarray(seen.ptr[u], seen.ptr[u + 1]) };
      const collect = (s: BlockedScorer): (Scored[] | undefined)[] => {
        const out: (Scored[] | undefined)[] = [];
        s.topK(rows, k, filter, (j, list) => {
          expect(j).toBe(out.length);
          out.push(list);
        });
        return out;
      };
      const a = collect(simd);
      const b = collect(scalar);
      expect(a).toEqual(b);
      const row = new Float32Array(items);
      const row2 = new Float32Array(items);
      for (let u = 0; u < users; u++) {
        if (rows[u] < 0) {
          expect(a[u]).toBeUndefined();
          continue;
        }
        simd.scoreRow(u, row);
        scalar.scoreRow(u, row2);
        expect(row).toEqual(row2);
        for (let i = 0; i < items; i++) {
          const r = reference(X, Y, u, i, f, bias);
          expect(Math.abs(row[i] - r.score)).toBeLessThanOrEqual(r.tol);
        }
        // The bounded top-k with exclusions = topK over the full row with everything masked.
        const full = Uint8Array.from(mask);
        for (let t = seen.ptr[u]; t < seen.ptr[u + 1]; t++) full[seen.idx[t]] = 1;
        expect(a[u]).toEqual(topK(row, k, full));
      }
    });
  }

  it("keeps the lower index among tied scores when a better item displaces the worst", () => {
    // Scores 1, 1, 1, 2 for items 0-3 (one factor): with k = 3 the 2 must push out item 2.
    const scorer = new BlockedScorer({ f: 1, nItems: 4, items: Float32Array.of(1, 1, 1, 2), queries: Float32Array.of(1) });
    let got: Scored[] = [];
    scorer.topK([0], 3, {}, (_, l) => (got = l!));
    expect(got).toEqual([{ index: 3, score: 2 }, { index: 0, score: 1 }, { index: 1, score: 1 }]);
  });

  it("returns exactly the best k by score then index when every score ties", () => {
    const f = 5;
    const items = 203;
    const scorer = new BlockedScorer({ f, nItems: items, items: new Float32Array(items * f).fill(0.5), queries: new Float32Array(2 * f).fill(1) });
    const got: Scored[][] = [];
    scorer.topK([0, 1], 7, { exclude: (u) => (u === 0 ? Int32Array.of(0, 2, 200) : undefined) }, (_, l) => got.push(l!));
    expect(got[0].map((s) => s.index)).toEqual([1, 3, 4, 5, 6, 7, 8]);
    expect(got[1].map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(got[0].every((s) => s.score === 2.5)).toBe(true);
  });
});

function alsModel(rng: Rng, users: number, items: number, f: number, withBias: boolean): Model {
  const seen = randomSeen(rng, users, items, 12);
  return {
    algorithm: "als", userIds: Array.from({ length: users }, (_, u) => `u${u}`), itemIds: Array.from({ length: items }, (_, i) => `i${i}`),
    seenPtr: seen.ptr, seenIdx: seen.idx, popularity: Float32Array.from({ length: items }, () => Math.floor(rng() * 50)),
    factors: f, userFactors: grid(rng, users * f), itemFactors: grid(rng, items * f),
    ...(withBias ? { itemBias: Float32Array.from({ length: items }, () => rng() - 0.5) } : {}),
    info: { params: {}, iterations: 0, finalLoss: 0, metrics: {}, baselineMetrics: {}, trainSeconds: 0, createdAt: 0 },
  };
}

describe("Recommender with blocked scoring", () => {
  it("recommendMany equals recommend() user by user, with allow/deny, seen items, a bias and unknown users", () => {
    const rng = mulberry32(7);
    const model = alsModel(rng, 150, 333, 11, true);
    const rec = new Recommender(model);
    const users = Int32Array.from({ length: 150 }, (_, u) => (u % 17 === 5 ? -1 : u));
    for (const o of [
      { excludeSeen: true },
      { excludeSeen: false },
      { excludeSeen: true, deny: Int32Array.of(0, 5, 77, 332) },
      { excludeSeen: true, allow: Int32Array.from({ length: 120 }, (_, i) => i * 2 + 1), deny: Int32Array.of(3) },
    ]) {
      const many: { top: Scored[]; cold: boolean }[] = [];
      rec.recommendMany(users, 10, o, (j, top, cold) => {
        expect(j).toBe(many.length);
        many.push({ top, cold });
      });
      for (let j = 0; j < users.length; j++) {
        const single = users[j] < 0 ? rec.popular(10, o) : rec.recommend(users[j], 10, o);
        expect(many[j]).toEqual({ top: single, cold: users[j] < 0 });
      }
    }
  });

  it("adds the item bias to every score", () => {
    const rng = mulberry32(8);
    const model = alsModel(rng, 4, 50, 6, false);
    const plain = new Recommender(model).recommend(1, 50, { excludeSeen: false });
    const bias = new Float32Array(50);
    bias[plain[plain.length - 1].index] = 1000; // the worst item becomes the best
    const biased = new Recommender({ ...model, itemBias: bias }).recommend(1, 50, { excludeSeen: false });
    expect(biased[0].index).toBe(plain[plain.length - 1].index);
    expect(biased[0].score).toBeCloseTo(plain[plain.length - 1].score + 1000, 2);
  });

  it("similarMany equals similar(), never returns the item itself, and scores are cosines", () => {
    const rng = mulberry32(9);
    const model = alsModel(rng, 3, 211, 9, false);
    const rec = new Recommender(model);
    const items = Int32Array.from({ length: 211 }, (_, i) => (i === 100 ? -1 : i));
    const Y = model.itemFactors!;
    const norm = (i: number): number => Math.hypot(...Y.subarray(i * 9, i * 9 + 9)) || 1;
    rec.similarMany(items, 8, (j, top) => {
      if (items[j] < 0) return expect(top).toEqual([]);
      expect(top).toEqual(rec.similar(items[j], 8));
      expect(top.some((s) => s.index === items[j])).toBe(false);
      for (const s of top) {
        const r = reference(Y, Y, items[j], s.index, 9);
        expect(Math.abs(s.score - r.score / (norm(items[j]) * norm(s.index)))).toBeLessThanOrEqual(1e-6);
      }
    });
  });
});
