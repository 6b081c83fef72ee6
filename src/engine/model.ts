// A trained model and the Recommender that answers queries on it: top-k for a user (excluding
// seen items, with allow/deny masks, popularity for unknown users), and similar items.
import type { Neighbours } from "./knn.js";
import { topK, type Scored } from "./top-k.js";
import { BlockedScorer, sortedRuns } from "./blocked-scoring.js";

export type Algorithm = "als" | "item_knn" | "popularity" | "sequential_softmax";

/**
 * Algorithms whose models are latent factors, scored x_u·y_i + itemBias_i (blocked scoring;
 * similar items by cosine on the item factors): ALS, and the sequential softmax, whose learned
 * item bias c_i is part of itemBias.
 */
export function isFactorModel(a: Algorithm): boolean {
  return a === "als" || a === "sequential_softmax";
}

export interface ModelInfo {
  params: Record<string, number | string>;
  iterations: number;
  finalLoss: number;
  metrics: Record<string, number>;
  baselineMetrics: Record<string, number>;
  trainSeconds: number;
  createdAt: number;
  /** The popularity blend the training's validation chose (weight, beta, servedAs, validation_*). */
  blend?: Record<string, number | string>;
  /** What the training wants a user to know, e.g. that the model ranks below popularity. */
  warnings?: string[];
  /** TuneModel's summary: trials run, the best trial, its validation score, the defaults' holdout metrics. */
  tune?: Record<string, number>;
}

export interface Model {
  algorithm: Algorithm;
  userIds: string[];
  itemIds: string[];
  /** Training interactions per user (CSR, sorted item indices): what "seen" means. */
  seenPtr: Int32Array;
  seenIdx: Int32Array;
  /** Item popularity (training interactions per item). */
  popularity: Float32Array;
  /** Latent factors per row (factor models, isFactorModel) or 0. */
  factors: number;
  userFactors?: Float32Array;
  itemFactors?: Float32Array;
  /**
   * Added to every item's factor score: score(u, i) = x_u·y_i + itemBias[i]. The popularity blend,
   * plus the sequential softmax's learned item bias.
   */
  itemBias?: Float32Array;
  neighbours?: Neighbours;
  info: ModelInfo;
}

export interface RecommendOptions {
  excludeSeen: boolean;
  /** Item indices that may be recommended (undefined: all). */
  allow?: Int32Array;
  /** Item indices never recommended. */
  deny?: Int32Array;
}

/** The allow/deny lists as a mask (non-zero: never recommended), or undefined when there are none. */
export function itemMask(nItems: number, o: Pick<RecommendOptions, "allow" | "deny">): Uint8Array | undefined {
  if (!o.allow && !o.deny) return undefined;
  const mask = new Uint8Array(nItems).fill(o.allow ? 1 : 0);
  if (o.allow) for (const i of o.allow) mask[i] = 0;
  if (o.deny) for (const i of o.deny) mask[i] = 1;
  return mask;
}

export class Recommender {
  readonly model: Model;
  readonly nItems: number;
  #userIndex: Map<string, number> | undefined;
  #itemIndex: Map<string, number> | undefined;
  #scorer: BlockedScorer | undefined;
  #cosine: BlockedScorer | undefined;
  #seenSorted: Int32Array | undefined;
  readonly #scores: Float32Array;
  readonly #mask: Uint8Array;

  constructor(model: Model) {
    this.model = model;
    this.nItems = model.itemIds.length;
    this.#scores = new Float32Array(this.nItems);
    this.#mask = new Uint8Array(this.nItems);
  }

  userIndex(id: string): number | undefined {
    this.#userIndex ??= new Map(this.model.userIds.map((u, k) => [u, k]));
    return this.#userIndex.get(id);
  }

  itemIndex(id: string): number | undefined {
    this.#itemIndex ??= new Map(this.model.itemIds.map((i, k) => [i, k]));
    return this.#itemIndex.get(id);
  }

  /** Scores of every item for user `u` (written to a reused buffer). */
  scores(u: number): Float32Array {
    const m = this.model;
    const out = this.#scores;
    if (isFactorModel(m.algorithm)) {
      this.#als().scoreRow(u, out);
    } else if (m.algorithm === "item_knn") {
      const nb = m.neighbours!;
      out.fill(0);
      for (let k = m.seenPtr[u]; k < m.seenPtr[u + 1]; k++) {
        const j = m.seenIdx[k];
        for (let t = nb.indptr[j]; t < nb.indptr[j + 1]; t++) out[nb.indices[t]] += nb.scores[t];
      }
      // Popularity breaks ties among items with no neighbour evidence, scaled far below any similarity.
      const maxPop = m.popularity.reduce((a, b) => Math.max(a, b), 1);
      for (let i = 0; i < this.nItems; i++) out[i] += (1e-6 * m.popularity[i]) / maxPop;
      if (m.itemBias) for (let i = 0; i < this.nItems; i++) out[i] += m.itemBias[i];
    } else {
      out.set(m.popularity);
    }
    return out;
  }

  #prepareMask(u: number | undefined, o: RecommendOptions): void {
    const mask = this.#mask;
    if (o.allow) {
      mask.fill(1);
      for (const i of o.allow) mask[i] = 0;
    } else {
      mask.fill(0);
    }
    if (o.deny) for (const i of o.deny) mask[i] = 1;
    if (u !== undefined && o.excludeSeen) {
      for (let k = this.model.seenPtr[u]; k < this.model.seenPtr[u + 1]; k++) mask[this.model.seenIdx[k]] = 1;
    }
  }

  /** Top-k for a known user index. */
  recommend(u: number, k: number, o: RecommendOptions): Scored[] {
    this.#prepareMask(u, o);
    if (isFactorModel(this.model.algorithm)) {
      let top: Scored[] = [];
      this.#als().topK([u], k, { mask: this.#mask }, (_, list) => (top = list ?? []));
      return top;
    }
    return topK(this.scores(u), k, this.#mask);
  }

  /**
   * Top-k for users[from, to) (model user indices; −1 = unknown, answered by popularity), emitted
   * in order. ALS scores users in blocks (blocked-scoring.ts); results equal recommend()'s.
   */
  recommendMany(users: ArrayLike<number>, k: number, o: RecommendOptions, emit: (j: number, top: Scored[], cold: boolean) => void, from = 0, to = users.length): void {
    let popular: Scored[] | undefined;
    const cold = (j: number): void => emit(j, (popular ??= this.popular(k, o)), true);
    if (!isFactorModel(this.model.algorithm)) {
      for (let j = from; j < to; j++) {
        if (users[j] < 0) cold(j);
        else emit(j, this.recommend(users[j], k, o), false);
      }
      return;
    }
    const { seenPtr } = this.model;
    const seenIdx = (this.#seenSorted ??= sortedRuns(seenPtr, this.model.seenIdx));
    const mask = itemMask(this.nItems, o);
    const exclude = o.excludeSeen ? (u: number): Int32Array => seenIdx.subarray(seenPtr[u], seenPtr[u + 1]) : undefined;
    this.#als().topK(users, k, { mask, exclude }, (j, list) => (list ? emit(j, list, false) : cold(j)), from, to);
  }

  #als(): BlockedScorer {
    const m = this.model;
    this.#scorer ??= new BlockedScorer({ f: m.factors, nItems: this.nItems, items: m.itemFactors!, queries: m.userFactors!, bias: m.itemBias });
    return this.#scorer;
  }

  #cosineScorer(): BlockedScorer {
    const m = this.model;
    this.#cosine ??= new BlockedScorer({ f: m.factors, nItems: this.nItems, items: m.itemFactors!, cosine: true });
    return this.#cosine;
  }

  /** Popularity top-k (cold start and the baseline), optionally excluding a user's seen items. */
  popular(k: number, o: RecommendOptions, u?: number): Scored[] {
    this.#prepareMask(u, o);
    return topK(this.model.popularity, k, this.#mask);
  }

  /** The k items most similar to item `i` (cosine on factors for ALS, kNN neighbours otherwise). */
  similar(i: number, k: number): Scored[] {
    const m = this.model;
    if (isFactorModel(m.algorithm)) {
      let top: Scored[] = [];
      this.similarMany([i], k, (_, list) => (top = list));
      return top;
    }
    if (m.algorithm === "item_knn") {
      const nb = m.neighbours!;
      const out: Scored[] = [];
      for (let t = nb.indptr[i]; t < nb.indptr[i + 1] && out.length < k; t++) out.push({ index: nb.indices[t], score: nb.scores[t] });
      return out;
    }
    return [];
  }

  /**
   * similar() for items[from, to) (−1 = unknown: an empty list), emitted in order. ALS: cosine
   * on unit-length item factors, scored in blocks (blocked-scoring.ts).
   */
  similarMany(items: ArrayLike<number>, k: number, emit: (j: number, top: Scored[]) => void, from = 0, to = items.length): void {
    if (!isFactorModel(this.model.algorithm)) {
      for (let j = from; j < to; j++) emit(j, items[j] < 0 ? [] : this.similar(items[j], k));
      return;
    }
    this.#cosineScorer().topK(items, k, { exclude: (i) => Int32Array.of(i) }, (j, list) => emit(j, list ?? []), from, to);
  }
}
