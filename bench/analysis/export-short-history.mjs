// Writes the data bank's large short-history case for short_history_ceiling.py: each user's
// training items in draw order, the held-out item, the generator's item tastes and popularity,
// the full oracle scores of the users with more than 4 training items, and default ALS's NDCG@10
// on each group. Needs `npm run build`. Usage: node bench/analysis/export-short-history.mjs <dir>
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bankCase } from "../../dist/engine/data-bank.js";
import { trainModel } from "../../dist/engine/train.js";
import { Recommender } from "../../dist/engine/model.js";
import { userMetrics } from "../../dist/engine/metrics.js";

const dir = process.argv[2] ?? "bench/results/short-history";
mkdirSync(dir, { recursive: true });
const c = bankCase("short-history", "large", 1);
const d = c.train;
const seqs = [];
for (let u = 0; u < d.userIds.length; u++) {
  const rows = [];
  for (let k = d.indptr[u]; k < d.indptr[u + 1]; k++) rows.push([d.indices[k], d.timestamps[k]]);
  rows.sort((a, b) => a[1] - b[1]);
  seqs.push(rows.map((r) => r[0]));
}
const long = [];
for (let u = 0; u < seqs.length; u++) if (c.test[u].length > 0 && seqs[u].length > 4) long.push(u);
const oracle = new Float32Array(long.length * d.itemIds.length);
long.forEach((u, j) => oracle.set(c.oracle(u), j * d.itemIds.length));

// Default ALS (as W10 trains it), scored per group on the same holdout.
const model = trainModel(d, { algorithm: "als", evaluate: false, evalK: 10, seed: 7 }).model;
const rec = new Recommender(model);
const als = { short: 0, long: 0 };
for (let u = 0; u < seqs.length; u++) {
  if (c.test[u].length === 0) continue;
  const top = rec.recommend(u, 10, { excludeSeen: true }).map((s) => s.index);
  als[seqs[u].length > 4 ? "long" : "short"] += userMetrics(top, new Set(c.test[u]), 10).ndcg;
}

writeFileSync(join(dir, "oracle-long.f32"), Buffer.from(oracle.buffer));
writeFileSync(join(dir, "items.f64"), Buffer.from(Float64Array.from(c.items.factors).buffer));
writeFileSync(join(dir, "case.json"), JSON.stringify({
  items: d.itemIds.length, dim: c.items.dim, tasteScale: c.items.tasteScale, logPopularity: Array.from(c.items.logPopularity),
  sequences: seqs, test: c.test.map((t) => Array.from(t)), long, alsNdcgSum: als,
}));
console.log(`wrote ${dir}: ${seqs.length} users, ${long.length} with more than 4 training items`);
