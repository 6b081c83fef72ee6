// The sequential softmax reads each history as draws in order of preference, and which end of a
// timestamped history comes first is the data's, not ours: on a walk through a catalogue (each
// user takes the next items of a ring, one a day) oldest-first ranks the next item last, while
// newest-first finds it. The training's validation split chooses ("auto"), as it chooses the blend.
import { describe, expect, it } from "vitest";
import { DatasetBuilder, drawOrder, drawOrders, trainModel, type Dataset } from "../../src/engine/index.js";

/** 90 users, each 7 consecutive items of a 60-item ring (one a day), starting 2 apart. */
function walks(): Dataset {
  const b = new DatasetBuilder();
  const users = 90;
  const ring = 60;
  b.setIds(Array.from({ length: users }, (_, u) => `walker-${u}`), Array.from({ length: ring }, (_, i) => `song-${i}`));
  for (let u = 0; u < users; u++) for (let t = 0; t < 7; t++) b.addIndexed(u, (u * 2 + t) % ring, 1, 1_700_000_000 + t * 86_400);
  return b.build();
}

describe("the sequential softmax's draw order", () => {
  const d = walks();
  const train = (order?: "oldest-first" | "newest-first", blend: "auto" | "off" = "auto") =>
    trainModel(d, { algorithm: "sequential_softmax", softmax: { factors: 8, iterations: 40, ...(order ? { order } : {}) }, evaluate: true, evalK: 10, seed: 3, blend });

  it("reads a history by time, either end first, or ignores the order", () => {
    const first = (order: "oldest-first" | "newest-first" | "none"): number[] => Array.from(drawOrder(d, 1, order).subarray(0, 7));
    expect(first("oldest-first")).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(first("newest-first")).toEqual([6, 5, 4, 3, 2, 1, 0]);
    expect(first("none").sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(drawOrders(d, "auto")).toEqual(["oldest-first", "newest-first"]);
    expect(drawOrders({ ...d, timestamps: undefined }, "auto")).toEqual(["none"]);
  });

  it("lets the validation split choose the end that predicts: newest-first on walks, far above popularity", () => {
    const oldest = train("oldest-first", "off");
    const auto = train();
    const ndcg = (r: ReturnType<typeof train>): number => r.evaluation!.metrics["ndcg@10"];
    const popularity = auto.evaluation!.baseline["ndcg@10"];
    // Oldest-first reads the walk backwards and, unblended, ranks the next item below popularity (and warns).
    expect(ndcg(oldest)).toBeLessThan(popularity);
    expect(oldest.warnings.join(" ")).toMatch(/below popularity/);
    expect(auto.model.info.params.order).toBe("newest-first");
    expect(ndcg(auto)).toBeGreaterThan(2 * popularity);
  });
});
