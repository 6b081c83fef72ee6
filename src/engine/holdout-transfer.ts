// Scores a model on another training's holdout: the split's users and items are mapped into the
// model's id space by id, so an older model (other users, other items, other indices) is judged
// on exactly the interactions a new model was judged on. Used to decide an alias promotion.
import type { Dataset } from "./dataset.js";
import { AbortedError, type AbortFlag } from "./errors.js";
import type { Evaluation } from "./evaluate.js";
import { MetricsAccumulator } from "./metrics.js";
import type { Recommender } from "./model.js";
import type { Split } from "./split.js";

/**
 * Ranking metrics of `rec` on `split` (made from `data`), with the same protocol as
 * evaluateRecommender on the split's own model:
 * - excluded from a user's recommendations: the user's interactions in `split.train` (not the
 *   model's own training data), so both models rank the same candidates;
 * - relevant: the user's held-out items, all of them: an item the model does not know stays in
 *   the relevant set as a miss, so the ideal DCG is the same for both models;
 * - a user the model does not know gets its popularity list, as Recommend serves them.
 * A model that was trained on the held-out interactions themselves has an advantage no mapping
 * can remove; that is the caller's protocol to avoid (e.g. the same dataset and seed, or older data).
 */
export function evaluateOnHoldout(rec: Recommender, data: Pick<Dataset, "userIds" | "itemIds">, split: Split, k: number, signal?: AbortFlag): Evaluation {
  const acc = new MetricsAccumulator(k, rec.nItems);
  const toModel = Int32Array.from(data.itemIds, (id) => rec.itemIndex(id) ?? -1);
  const train = split.train;
  for (let du = 0; du < split.test.length; du++) {
    const held = split.test[du];
    if (held.length === 0) continue;
    if ((du & 255) === 0 && signal?.aborted) throw new AbortedError("aborted");
    const deny: number[] = [];
    for (let p = train.indptr[du]; p < train.indptr[du + 1]; p++) {
      const i = toModel[train.indices[p]];
      if (i >= 0) deny.push(i);
    }
    // Unknown items become distinct negative indices: never recommended, still counted as relevant.
    const rel = new Set<number>();
    for (let j = 0; j < held.length; j++) rel.add(toModel[held[j]] >= 0 ? toModel[held[j]] : -1 - j);
    const o = { excludeSeen: false, deny: Int32Array.from(deny) };
    const u = rec.userIndex(data.userIds[du]);
    const top = u === undefined ? rec.popular(k, o) : rec.recommend(u, k, o);
    acc.add(top.map((s) => s.index), rel);
  }
  return { k, users: acc.users, metrics: acc.result(), baseline: {} };
}
