// Synthetic interaction data with planted structure, for the demo, tests and benchmarks:
// item popularity follows a power law, and every user has a taste concentrated on a few of T
// topics (each item belongs to one). Most interactions come from the user's topics, weighted by
// popularity within the topic; the rest from global popularity. A model that learns tastes
// therefore beats popularity by a clear margin, as on real data.
import { DatasetBuilder, type Dataset } from "./dataset.js";
import { mulberry32, type Rng } from "./random.js";

export interface SyntheticOptions {
  users: number;
  items: number;
  /** Distinct (user, item) interactions to generate (capped at users × items / 2). */
  interactions: number;
  seed: number;
  /** Number of topics. @default 24 */
  topics?: number;
  /** Share of interactions drawn from the user's tastes rather than global popularity. @default 0.85 */
  tasteShare?: number;
  /** Power-law exponent of item popularity. @default 0.9 */
  popularityExponent?: number;
}

export interface SyntheticData {
  users: Int32Array;
  items: Int32Array;
  weights: Float32Array;
  timestamps: Float64Array;
  userIds: string[];
  itemIds: string[];
}

/** Cumulative-distribution sampler over `weights`. */
function sampler(weights: Float64Array, rng: Rng): () => number {
  const cdf = new Float64Array(weights.length);
  let acc = 0;
  for (let k = 0; k < weights.length; k++) cdf[k] = acc += weights[k];
  return () => {
    const target = rng() * acc;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export function generateInteractions(o: SyntheticOptions): SyntheticData {
  const rng = mulberry32(o.seed);
  const T = Math.max(1, Math.min(o.topics ?? 24, o.items));
  const tasteShare = o.tasteShare ?? 0.85;
  const exponent = o.popularityExponent ?? 0.9;
  // Item popularity by a random rank permutation; topic by item index modulo T.
  const rank = Int32Array.from({ length: o.items }, (_, k) => k);
  for (let k = o.items - 1; k > 0; k--) {
    const j = Math.floor(rng() * (k + 1));
    [rank[k], rank[j]] = [rank[j], rank[k]];
  }
  const popularity = new Float64Array(o.items);
  for (let i = 0; i < o.items; i++) popularity[i] = 1 / Math.pow(rank[i] + 1, exponent);
  const global = sampler(popularity, rng);
  const topicItems: number[][] = Array.from({ length: T }, () => []);
  for (let i = 0; i < o.items; i++) topicItems[i % T].push(i);
  const inTopic = topicItems.map((list) => {
    const s = sampler(Float64Array.from(list, (i) => popularity[i]), rng);
    return () => list[s()];
  });
  // Each user: a main topic and a secondary one (70/30), and an activity level (power law).
  const mainTopic = Int32Array.from({ length: o.users }, () => Math.floor(rng() * T));
  const secondTopic = Int32Array.from({ length: o.users }, () => Math.floor(rng() * T));
  const activity = new Float64Array(o.users);
  for (let u = 0; u < o.users; u++) activity[u] = 1 / Math.pow(1 + rng() * 20, 0.7);
  const pickUser = sampler(activity, rng);
  const n = Math.min(o.interactions, Math.floor((o.users * o.items) / 2));
  // Distinct pairs: a bitset over users × items (3 MB for 6,000 × 4,000) rejects repeats; a user
  // whose topics are exhausted falls back to global popularity, then to uniform items.
  const seen = new Uint8Array(Math.ceil((o.users * o.items) / 8));
  const fresh = (u: number, i: number): boolean => {
    const bit = u * o.items + i;
    const mask = 1 << (bit & 7);
    if (seen[bit >>> 3] & mask) return false;
    seen[bit >>> 3] |= mask;
    return true;
  };
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const weights = new Float32Array(n);
  const timestamps = new Float64Array(n);
  const t0 = 1_700_000_000;
  // Every user gets at least a few rows, so no one is left out of evaluation.
  const seeded = Math.min(n, o.users * 3);
  for (let k = 0; k < n; k++) {
    const u = k < seeded ? k % o.users : pickUser();
    let item = -1;
    for (let attempt = 0; item < 0; attempt++) {
      const fromTaste = attempt < 16 && rng() < tasteShare;
      const topic = rng() < 0.7 ? mainTopic[u] : secondTopic[u];
      const candidate = attempt < 32 ? (fromTaste ? inTopic[topic]() : global()) : Math.floor(rng() * o.items);
      if (fresh(u, candidate)) item = candidate;
    }
    users[k] = u;
    items[k] = item;
    weights[k] = 1 + Math.floor(rng() * rng() * 5);
    timestamps[k] = t0 + Math.floor(rng() * 90 * 86400);
  }
  return {
    users, items, weights, timestamps,
    userIds: Array.from({ length: o.users }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: o.items }, (_, i) => `i${i}`),
  };
}

/** Renders the data as CSV text (`user,item,weight,timestamp` with a header), in chunks of ~64 KiB. */
export function* syntheticCsvChunks(d: SyntheticData, chunkBytes = 64 * 1024): Generator<string> {
  let buf = "user,item,weight,timestamp\n";
  for (let k = 0; k < d.users.length; k++) {
    buf += `${d.userIds[d.users[k]]},${d.itemIds[d.items[k]]},${d.weights[k]},${d.timestamps[k]}\n`;
    if (buf.length >= chunkBytes) {
      yield buf;
      buf = "";
    }
  }
  if (buf.length > 0) yield buf;
}

/** The synthetic data as a compiled Dataset, skipping the CSV round trip (benches, tests). */
export function syntheticDataset(o: SyntheticOptions): Dataset {
  const d = generateInteractions(o);
  const b = new DatasetBuilder();
  b.setIds(d.userIds, d.itemIds);
  for (let k = 0; k < d.users.length; k++) b.addIndexed(d.users[k], d.items[k], d.weights[k], d.timestamps[k]);
  return b.build();
}
