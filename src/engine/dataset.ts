// Interaction datasets in CSR form: users are rows, items columns, ids mapped to dense indices.
// Built from parsed rows with two stable counting sorts (by item, then by user): O(rows), no
// comparison sort and no per-row objects, so a million rows build in well under a second.
import type { ParsedRow } from "./csv-parser.js";
import { DatasetFormatError } from "./errors.js";

/**
 * The largest weight a dataset holds, for one row and for the sum of a (user, item)'s duplicate
 * rows. Why 1e6: weights are stored as float32, and ALS's linear confidence is c = 1 + α·w (the
 * log scaling only shrinks w) with α at most 1e6 (the API's limit), so α·w ≤ 1e12, computed in
 * float32 by the SIMD kernel: finite, and even b = Σ c·y over a row of 2³¹ nonzeros stays ~1e17
 * below float32's 3.4e38 for factors of order 1. item-kNN's Σ w² per item stays below
 * 2³¹·1e12 ≈ 2e21, finite in float64. Measured on the float32 kernel (64 factors), conjugate
 * gradient diverges to NaN from α·w ≈ 4e13 with 3 CG steps, and from 1e12 with 10 or more;
 * α = 40 keeps α·w ≤ 4e7, five orders below. The few (α, cg_steps) choices that still diverge
 * are caught by training (NumericOverflowError). Little is lost by the bound: ALS sees only α·w,
 * so larger units can be divided down with α scaled up to match.
 */
export const MAX_WEIGHT = 1e6;

export interface Dataset {
  userIds: string[];
  itemIds: string[];
  /** Row pointers: the items of user u are indices[indptr[u] .. indptr[u+1]), sorted. */
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
  /** Per interaction, seconds since the epoch; absent when the data had no timestamps. */
  timestamps?: Float64Array;
  /** Data rows read before duplicates were summed. */
  rows: number;
}

export interface DatasetStats {
  users: number;
  items: number;
  interactions: number;
  rows: number;
  density: number;
  hasTimestamps: boolean;
}

export function datasetStats(d: Dataset): DatasetStats {
  const users = d.userIds.length;
  const items = d.itemIds.length;
  const interactions = d.indices.length;
  return { users, items, interactions, rows: d.rows, density: users && items ? interactions / (users * items) : 0, hasTimestamps: d.timestamps !== undefined };
}

function grow<T extends Int32Array | Float32Array | Float64Array>(a: T, min: number): T {
  if (a.length >= min) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(min, a.length * 2));
  next.set(a);
  return next;
}

export class DatasetBuilder {
  readonly #userIndex = new Map<string, number>();
  readonly #itemIndex = new Map<string, number>();
  readonly #userIds: string[] = [];
  readonly #itemIds: string[] = [];
  #u = new Int32Array(1024);
  #i = new Int32Array(1024);
  #w = new Float32Array(1024);
  #t = new Float64Array(1024);
  #n = 0;
  #hasTimestamps = false;

  add(row: ParsedRow): void {
    this.addIndexed(this.#index(this.#userIndex, this.#userIds, row.user), this.#index(this.#itemIndex, this.#itemIds, row.item), row.weight, row.timestamp);
  }

  /** For callers that already have dense indices (synthetic data). */
  addIndexed(user: number, item: number, weight: number, timestamp = Number.NaN): void {
    const n = this.#n;
    if (n === this.#u.length) {
      this.#u = grow(this.#u, n + 1);
      this.#i = grow(this.#i, n + 1);
      this.#w = grow(this.#w, n + 1);
      this.#t = grow(this.#t, n + 1);
    }
    this.#u[n] = user;
    this.#i[n] = item;
    this.#w[n] = weight;
    this.#t[n] = timestamp;
    if (!Number.isNaN(timestamp)) this.#hasTimestamps = true;
    this.#n = n + 1;
  }

  /** Declares ids up front (synthetic data: index k is id k). */
  setIds(userIds: string[], itemIds: string[]): void {
    // A loop, not push(...ids): spreading passes every id as an argument, which overflows the
    // stack from ~125,000 ids.
    for (const id of userIds) this.#userIds.push(id);
    for (const id of itemIds) this.#itemIds.push(id);
  }

  #index(map: Map<string, number>, ids: string[], id: string): number {
    let k = map.get(id);
    if (k === undefined) {
      k = ids.length;
      map.set(id, k);
      ids.push(id);
    }
    return k;
  }

  build(): Dataset {
    const n = this.#n;
    const nUsers = this.#userIds.length;
    const nItems = this.#itemIds.length;
    // Stable counting sort by item, then by user: the result is ordered by (user, item).
    const byItem = countingOrder(this.#i, n, nItems, null);
    const order = countingOrder(this.#u, n, nUsers, byItem);
    const indptr = new Int32Array(nUsers + 1);
    const indices = new Int32Array(n);
    const weights = new Float32Array(n);
    const timestamps = this.#hasTimestamps ? new Float64Array(n) : undefined;
    let m = 0;
    let prevU = -1;
    let prevI = -1;
    for (let k = 0; k < n; k++) {
      const r = order[k];
      const u = this.#u[r];
      const i = this.#i[r];
      const t = this.#t[r];
      if (u === prevU && i === prevI) {
        // Duplicate (user, item): sum the weights, keep the latest timestamp.
        weights[m - 1] += this.#w[r];
        if (!(weights[m - 1] <= MAX_WEIGHT)) {
          // The parser bounds each row, so only a sum gets here; it has no single line to name.
          throw new DatasetFormatError(undefined, `user ${JSON.stringify(this.#userIds[u])}, item ${JSON.stringify(this.#itemIds[i])}: the weights of its duplicate rows sum to ${weights[m - 1]}, above the largest accepted weight ${MAX_WEIGHT} (duplicate rows are summed)`);
        }
        if (timestamps && (Number.isNaN(timestamps[m - 1]) || t > timestamps[m - 1])) timestamps[m - 1] = t;
        continue;
      }
      indices[m] = i;
      weights[m] = this.#w[r];
      if (timestamps) timestamps[m] = t;
      indptr[u + 1]++;
      m++;
      prevU = u;
      prevI = i;
    }
    for (let u = 0; u < nUsers; u++) indptr[u + 1] += indptr[u];
    return {
      userIds: this.#userIds.slice(),
      itemIds: this.#itemIds.slice(),
      indptr,
      indices: indices.slice(0, m),
      weights: weights.slice(0, m),
      ...(timestamps ? { timestamps: timestamps.slice(0, m) } : {}),
      rows: n,
    };
  }
}

/** Positions 0..n-1 (or `within`, a previous order) stably sorted by keys[pos]. */
function countingOrder(keys: Int32Array, n: number, nKeys: number, within: Int32Array | null): Int32Array {
  const start = new Int32Array(nKeys + 1);
  for (let k = 0; k < n; k++) start[keys[k] + 1]++;
  for (let k = 0; k < nKeys; k++) start[k + 1] += start[k];
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const pos = within ? within[k] : k;
    out[start[keys[pos]]++] = pos;
  }
  return out;
}

/** The item → users matrix (CSR of the transpose), weights carried along. */
export function transpose(d: Dataset): { indptr: Int32Array; indices: Int32Array; weights: Float32Array } {
  const nItems = d.itemIds.length;
  const nnz = d.indices.length;
  const indptr = new Int32Array(nItems + 1);
  for (let k = 0; k < nnz; k++) indptr[d.indices[k] + 1]++;
  for (let i = 0; i < nItems; i++) indptr[i + 1] += indptr[i];
  const fill = indptr.slice(0, nItems);
  const indices = new Int32Array(nnz);
  const weights = new Float32Array(nnz);
  const nUsers = d.userIds.length;
  for (let u = 0; u < nUsers; u++) {
    for (let k = d.indptr[u]; k < d.indptr[u + 1]; k++) {
      const pos = fill[d.indices[k]]++;
      indices[pos] = u;
      weights[pos] = d.weights[k];
    }
  }
  return { indptr, indices, weights };
}
