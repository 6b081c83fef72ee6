// A bank of deterministic test data of different shapes, each with its own holdout protocol, so
// the engine's defaults are judged on data it was not tuned on. The tests use the small versions
// (seconds), the bench the large ones (6,000 users × 4,000 items × ~1M interactions).
//
// Four of the five shapes draw from a latent-taste world that is NOT the planted-topic generator
// of synthetic.ts: users and items get Gaussian taste vectors, and a user's items are drawn
// without replacement with probability ∝ exp(τ·aᵤ·bᵢ/√d) · popᵢ^γ (Gumbel-top-k, which also gives
// the order of the draws, i.e. a sequence).
import { DatasetBuilder, type Dataset } from "./dataset.js";
import { generateInteractions } from "./synthetic.js";
import { gaussian, mulberry32, type Rng } from "./random.js";

export type BankShape = "planted-taste" | "power-law-sequence" | "heavy-counts" | "short-history" | "steep-popularity";

export const BANK_SHAPES: readonly BankShape[] = ["planted-taste", "power-law-sequence", "heavy-counts", "short-history", "steep-popularity"];

export type BankSize = "small" | "large";

export interface BankCase {
  shape: BankShape;
  /** What the data looks like and how its holdout was made. */
  description: string;
  train: Dataset;
  /** Held-out item indices per user (same index space as `train`); empty: user not evaluated. */
  test: Int32Array[];
  /**
   * The generator's own preference for user `u` over every item (taste · popularity logit, without
   * the draw's noise): what a model that knew the hidden tastes would rank by. It bounds what any
   * model can reach on the shape. Latent shapes only.
   */
  oracle?: (u: number) => Float64Array;
  /** The generator's item side (latent shapes): taste vectors, log-popularity and τ/√d. */
  items?: { factors: Float64Array; dim: number; logPopularity: Float64Array; tasteScale: number };
}

interface Scale {
  users: number;
  items: number;
  interactions: number;
}

const SCALES: Record<BankSize, Scale> = {
  small: { users: 1_500, items: 1_000, interactions: 60_000 },
  large: { users: 6_000, items: 4_000, interactions: 1_000_000 },
};

/** One bank case, deterministic for (shape, size, seed). */
export function bankCase(shape: BankShape, size: BankSize = "small", seed = 1): BankCase {
  const s = SCALES[size];
  switch (shape) {
    case "planted-taste":
      return plantedTaste(s, seed);
    case "power-law-sequence":
      return latentCase(shape, s, seed, {
        description: "latent tastes × power-law popularity (exponent 1.0); each user's items are a sequence drawn by taste × popularity; the last one is held out",
        popExponent: 1.0, taste: 2.5, activitySigma: 0.9, weights: "binary", holdout: "last",
      });
    case "heavy-counts":
      return latentCase(shape, s, seed, {
        description: "latent tastes, play/view counts from 1 to 10⁴ (log-normal, mostly user scale and noise); one random item per user held out",
        popExponent: 0.9, taste: 2.5, activitySigma: 0.9, weights: "counts", holdout: "random", timestamps: false,
      });
    case "short-history":
      return latentCase(shape, s, seed, {
        description: "mostly short-history users (70 % have 2–5 interactions), timestamps; each user's newest interaction held out",
        popExponent: 0.9, taste: 2.5, activitySigma: 0.9, weights: "binary", holdout: "newest", shortShare: 0.7,
      });
    case "steep-popularity":
      return latentCase(shape, s, seed, {
        description: "steep popularity (power law 1.2), weak taste signal, play counts; one random item per user held out",
        popExponent: 1.2, taste: 1.2, activitySigma: 0.9, weights: "counts", holdout: "random", timestamps: false,
      });
  }
}

/** synthetic.ts's planted topics, one random item held out per user with ≥ 3 interactions. */
function plantedTaste(s: Scale, seed: number): BankCase {
  const g = generateInteractions({ users: s.users, items: s.items, interactions: s.interactions, seed });
  const rows = Array.from({ length: g.users.length }, (_, k) => k);
  return assemble("planted-taste", "planted topics (synthetic.ts), power law 0.9, weights 1–5; one random item per user held out", g.userIds, g.itemIds,
    rows.map((k) => ({ user: g.users[k], item: g.items[k], weight: g.weights[k], time: g.timestamps[k], order: g.timestamps[k] })), "random", mulberry32(seed ^ 0x7e57));
}

interface LatentOptions {
  description: string;
  popExponent: number;
  /** τ: how strongly taste (rather than popularity) decides. */
  taste: number;
  activitySigma: number;
  weights: "binary" | "counts";
  holdout: Holdout;
  /** Share of users with only 2–5 interactions. */
  shortShare?: number;
  /** Emit timestamps (the draw order). @default true */
  timestamps?: boolean;
}

type Holdout = "random" | "last" | "newest";

interface Row {
  user: number;
  item: number;
  weight: number;
  /** Seconds since the epoch, or NaN for data without timestamps. */
  time: number;
  /** Position in the user's sequence (the holdout's "last"/"newest"). */
  order: number;
}

const DIM = 16;

function latentCase(shape: BankShape, s: Scale, seed: number, o: LatentOptions): BankCase {
  const rng = mulberry32(seed * 7919 + shape.length);
  const a = Float64Array.from({ length: s.users * DIM }, () => gaussian(rng));
  const b = Float64Array.from({ length: s.items * DIM }, () => gaussian(rng));
  // Popularity by a random rank permutation, so item index says nothing.
  const rank = Int32Array.from({ length: s.items }, (_, k) => k);
  for (let k = s.items - 1; k > 0; k--) {
    const j = Math.floor(rng() * (k + 1));
    [rank[k], rank[j]] = [rank[j], rank[k]];
  }
  const logPop = Float64Array.from(rank, (r) => -o.popExponent * Math.log(r + 1));
  // Activity: log-normal around the mean the scale asks for; short-history users get 2–5.
  const mean = s.interactions / s.users;
  const raw = Float64Array.from({ length: s.users }, () => Math.exp(o.activitySigma * gaussian(rng)));
  const isShort = Uint8Array.from({ length: s.users }, () => (rng() < (o.shortShare ?? 0) ? 1 : 0));
  let longMass = 0;
  for (let u = 0; u < s.users; u++) if (!isShort[u]) longMass += raw[u];
  const shortRows = isShort.reduce((n, x) => n + x, 0) * 3.5;
  const perMass = Math.max(0, s.interactions - shortRows) / Math.max(1e-9, longMass);
  const cap = Math.floor(s.items / 3);
  const scale = o.taste / Math.sqrt(DIM);
  const logits = new Float64Array(s.items);
  const rows: Row[] = [];
  const userScale = Float64Array.from({ length: s.users }, () => 1.5 + 1.2 * gaussian(rng));
  for (let u = 0; u < s.users; u++) {
    const n = isShort[u] ? 2 + Math.floor(rng() * 4) : Math.max(3, Math.min(cap, Math.round(raw[u] * perMass || mean)));
    const ao = u * DIM;
    for (let i = 0; i < s.items; i++) {
      let d = 0;
      const bo = i * DIM;
      for (let k = 0; k < DIM; k++) d += a[ao + k] * b[bo + k];
      // Gumbel-top-k: the n largest of logit + Gumbel noise are a draw without replacement ∝ exp(logit), in draw order.
      logits[i] = scale * d + logPop[i] - Math.log(-Math.log(rng() || 1e-300));
    }
    const picked = topIndices(logits, n);
    picked.forEach((item, t) => {
      const weight = o.weights === "binary" ? 1 : countWeight(rng, userScale[u]);
      const time = 1_700_000_000 + t * 3600 + Math.floor(rng() * 600);
      rows.push({ user: u, item, weight, time: o.timestamps === false ? Number.NaN : time, order: t });
    });
  }
  const userIds = Array.from({ length: s.users }, (_, u) => `user-${u.toString(36)}`);
  const itemIds = Array.from({ length: s.items }, (_, i) => `item-${(i * 7 + 3).toString(36)}`);
  const oracle = (u: number): Float64Array => {
    const out = new Float64Array(s.items);
    for (let i = 0; i < s.items; i++) {
      let d = 0;
      for (let k = 0; k < DIM; k++) d += a[u * DIM + k] * b[i * DIM + k];
      out[i] = scale * d + logPop[i];
    }
    return out;
  };
  return { ...assemble(shape, o.description, userIds, itemIds, rows, o.holdout, mulberry32(seed ^ 0x7e57)), oracle, items: { factors: b, dim: DIM, logPopularity: logPop, tasteScale: scale } };
}

/** Plays/views: log-normal around a per-user scale, 1 to 10⁴. */
function countWeight(rng: Rng, userScale: number): number {
  return Math.min(10_000, Math.max(1, Math.round(Math.exp(userScale + 1.6 * gaussian(rng)))));
}

/** Indices of the n largest values, largest first (a numeric typed-array sort finds the threshold). */
function topIndices(v: Float64Array, n: number): number[] {
  const sorted = v.slice().sort();
  const threshold = sorted[v.length - n];
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) if (v[i] >= threshold) out.push(i);
  out.sort((x, y) => v[y] - v[x] || x - y);
  return out.slice(0, n);
}

/** Splits rows into train and per-user test by the holdout protocol and builds the train Dataset. */
function assemble(shape: BankShape, description: string, userIds: string[], itemIds: string[], rows: Row[], holdout: Holdout, rng: Rng): BankCase {
  const byUser: Row[][] = Array.from({ length: userIds.length }, () => []);
  for (const r of rows) byUser[r.user].push(r);
  const b = new DatasetBuilder();
  b.setIds(userIds, itemIds);
  const test: Int32Array[] = [];
  const min = holdout === "random" ? 3 : 2;
  for (let u = 0; u < byUser.length; u++) {
    const list = byUser[u];
    let held = -1;
    if (list.length >= min) {
      if (holdout === "random") held = Math.floor(rng() * list.length);
      else {
        held = 0;
        for (let k = 1; k < list.length; k++) if (list[k].order > list[held].order) held = k;
      }
    }
    test.push(held >= 0 ? Int32Array.of(list[held].item) : new Int32Array(0));
    list.forEach((r, k) => {
      if (k !== held) b.addIndexed(u, r.item, r.weight, r.time);
    });
  }
  return { shape, description, train: b.build(), test };
}

/**
 * A case's training interactions as CSV text (`user,item,weight[,timestamp]` with a header), in
 * chunks of ~64 KiB: what a user would upload.
 */
export function* bankCsvChunks(c: BankCase, chunkBytes = 64 * 1024): Generator<string> {
  const d = c.train;
  const ts = d.timestamps;
  let buf = ts ? "user,item,weight,timestamp\n" : "user,item,weight\n";
  for (let u = 0; u < d.userIds.length; u++) {
    for (let k = d.indptr[u]; k < d.indptr[u + 1]; k++) {
      buf += `${d.userIds[u]},${d.itemIds[d.indices[k]]},${d.weights[k]}${ts ? `,${ts[k]}` : ""}\n`;
      if (buf.length >= chunkBytes) {
        yield buf;
        buf = "";
      }
    }
  }
  if (buf.length > 0) yield buf;
}
