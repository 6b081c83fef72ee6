// Ranking metrics with binary relevance, for one user's ranked list `rec` and relevant set `rel`:
//   precision@k = |rec[:k] ∩ rel| / k
//   recall@k    = |rec[:k] ∩ rel| / |rel|
//   AP@k        = (1 / min(|rel|, k)) Σ_{i ≤ k, rec[i] ∈ rel} precision@i      (MAP@k = mean AP@k)
//   NDCG@k      = DCG@k / IDCG@k, DCG@k = Σ_{i ≤ k, rec[i] ∈ rel} 1 / log2(i + 1)
// averaged over users with at least one relevant item. Coverage = distinct items recommended
// over all users / catalogue size.
export interface RankingMetrics {
  precision: number;
  recall: number;
  map: number;
  ndcg: number;
}

export function userMetrics(rec: ArrayLike<number>, rel: ReadonlySet<number>, k: number): RankingMetrics {
  let hits = 0;
  let apSum = 0;
  let dcg = 0;
  const n = Math.min(k, rec.length);
  for (let i = 0; i < n; i++) {
    if (rel.has(rec[i])) {
      hits++;
      apSum += hits / (i + 1);
      dcg += 1 / Math.log2(i + 2);
    }
  }
  let idcg = 0;
  for (let i = 0; i < Math.min(rel.size, k); i++) idcg += 1 / Math.log2(i + 2);
  return {
    precision: hits / k,
    recall: rel.size ? hits / rel.size : 0,
    map: rel.size ? apSum / Math.min(rel.size, k) : 0,
    ndcg: idcg ? dcg / idcg : 0,
  };
}

/** Accumulates per-user metrics into means, plus coverage. */
export class MetricsAccumulator {
  readonly #k: number;
  readonly #nItems: number;
  readonly #recommended: Uint8Array;
  #users = 0;
  #sum: RankingMetrics = { precision: 0, recall: 0, map: 0, ndcg: 0 };

  constructor(k: number, nItems: number) {
    this.#k = k;
    this.#nItems = nItems;
    this.#recommended = new Uint8Array(nItems);
  }

  add(rec: ArrayLike<number>, rel: ReadonlySet<number>): void {
    const m = userMetrics(rec, rel, this.#k);
    this.#users++;
    this.#sum = { precision: this.#sum.precision + m.precision, recall: this.#sum.recall + m.recall, map: this.#sum.map + m.map, ndcg: this.#sum.ndcg + m.ndcg };
    for (let i = 0; i < Math.min(this.#k, rec.length); i++) this.#recommended[rec[i]] = 1;
  }

  get users(): number {
    return this.#users;
  }

  /** Means keyed like "ndcg@10", and "coverage@10". */
  result(): Record<string, number> {
    const n = Math.max(1, this.#users);
    let covered = 0;
    for (let i = 0; i < this.#nItems; i++) covered += this.#recommended[i];
    const k = this.#k;
    return {
      [`precision@${k}`]: this.#sum.precision / n,
      [`recall@${k}`]: this.#sum.recall / n,
      [`map@${k}`]: this.#sum.map / n,
      [`ndcg@${k}`]: this.#sum.ndcg / n,
      [`coverage@${k}`]: this.#nItems ? covered / this.#nItems : 0,
    };
  }
}
