// A trained model and the Recommender that answers queries on it: top-k for a user (excluding
// seen items, with allow/deny masks, popularity for unknown users), and similar items.
import type { Neighbours } from "./knn.js";
import { topK, type Scored } from "./top-k.js";
import { dotFactors } from "./als.js";

export type Algorithm = "als" | "item_knn" | "popularity";

export interface ModelInfo {
  params: Record<string, number | string>;
  iterations: number;
  finalLoss: number;
  metrics: Record<string, number>;
  baselineMetrics: Record<string, number>;
  trainSeconds: number;
  createdAt: number;
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
  /** Latent factors per row (ALS) or 0. */
  factors: number;
  userFactors?: Float32Array;
  itemFactors?: Float32Array;
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

export class Recommender {
  readonly model: Model;
  readonly nItems: number;
  #userIndex: Map<string, number> | undefined;
  #itemIndex: Map<string, number> | undefined;
  #itemNorms: Float32Array | undefined;
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
    if (m.algorithm === "als") {
      const f = m.factors;
      const X = m.userFactors!;
      const Y = m.itemFactors!;
      const xo = u * f;
      for (let i = 0; i < this.nItems; i++) out[i] = dotFactors(X, xo, Y, i * f, f);
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
    return topK(this.scores(u), k, this.#mask);
  }

  /** Popularity top-k (cold start and the baseline), optionally excluding a user's seen items. */
  popular(k: number, o: RecommendOptions, u?: number): Scored[] {
    this.#prepareMask(u, o);
    return topK(this.model.popularity, k, this.#mask);
  }

  /** The k items most similar to item `i` (cosine on factors for ALS, kNN neighbours otherwise). */
  similar(i: number, k: number): Scored[] {
    const m = this.model;
    if (m.algorithm === "als") {
      const f = m.factors;
      const Y = m.itemFactors!;
      if (!this.#itemNorms) {
        this.#itemNorms = new Float32Array(this.nItems);
        for (let j = 0; j < this.nItems; j++) this.#itemNorms[j] = Math.sqrt(dotFactors(Y, j * f, Y, j * f, f)) || 1;
      }
      const out = this.#scores;
      const io = i * f;
      for (let j = 0; j < this.nItems; j++) out[j] = dotFactors(Y, io, Y, j * f, f) / (this.#itemNorms[i] * this.#itemNorms[j]);
      this.#mask.fill(0);
      this.#mask[i] = 1;
      return topK(out, k, this.#mask);
    }
    if (m.algorithm === "item_knn") {
      const nb = m.neighbours!;
      const out: Scored[] = [];
      for (let t = nb.indptr[i]; t < nb.indptr[i + 1] && out.length < k; t++) out.push({ index: nb.indices[t], score: nb.scores[t] });
      return out;
    }
    return [];
  }
}
