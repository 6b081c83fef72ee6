// Measures the sequential softmax MF (src/engine/sequential-softmax.ts) on the data bank's
// large short-history case, the shape of issue 13's last missed target: fit time per L-BFGS
// iteration on 1 and 2 threads, and the holdout NDCG@10 ratio to popularity scored as in
// model-class-research.md (training items excluded, ties toward the lower item index, no blend).
// Usage: npm run build && node bench/analysis/softmax-fit.mjs [iterations=60] [threads=1,2] [seed=1]
import { performance } from "node:perf_hooks";
import { bankCase, trainSequentialSoftmax, DEFAULT_SOFTMAX } from "../../dist/engine/index.js";
import { SoftmaxTeam } from "../../dist/worker/softmax-team.js";

const iterations = Number(process.argv[2] ?? 60);
const threadCounts = (process.argv[3] ?? "1,2").split(",").map(Number);
const seed = Number(process.argv[4] ?? 1);
const K = 10;

/** NDCG@10 of the held-out items per user from `score(u, out)`, training items excluded. */
function ndcg(c, score) {
  const { indptr, indices } = c.train;
  const nItems = c.train.itemIds.length;
  const s = new Float64Array(nItems);
  const seen = new Uint8Array(nItems);
  let sum = 0;
  let users = 0;
  for (let u = 0; u < c.test.length; u++) {
    const held = c.test[u];
    if (held.length === 0) continue;
    score(u, s);
    for (let k = indptr[u]; k < indptr[u + 1]; k++) seen[indices[k]] = 1;
    // Top K by score, ties toward the lower index: a stable insertion into a short list.
    const top = [];
    for (let j = 0; j < nItems; j++) {
      if (seen[j]) continue;
      if (top.length === K && s[j] <= s[top[K - 1]]) continue;
      let p = top.length === K ? K - 1 : top.length;
      top[p] = j;
      while (p > 0 && s[top[p - 1]] < s[j]) {
        top[p] = top[p - 1];
        top[--p] = j;
      }
    }
    for (let k = indptr[u]; k < indptr[u + 1]; k++) seen[indices[k]] = 0;
    const rel = new Set(held);
    let dcg = 0;
    let idcg = 0;
    top.forEach((j, i) => (dcg += rel.has(j) ? 1 / Math.log2(i + 2) : 0));
    for (let i = 0; i < Math.min(rel.size, K); i++) idcg += 1 / Math.log2(i + 2);
    sum += dcg / idcg;
    users++;
  }
  return sum / users;
}

const c = bankCase("short-history", "large", seed);
const { train } = c;
const nItems = train.itemIds.length;
console.log(`short-history large seed ${seed}: ${train.userIds.length} users × ${nItems} items, ${train.indices.length} training interactions`);
const pop = new Float64Array(nItems);
for (const j of train.indices) pop[j]++;
const popNdcg = ndcg(c, (_, out) => out.set(pop));

for (const threads of threadCounts) {
  const team = new SoftmaxTeam(threads);
  // Each evaluation (one pass over every user × item) timed on its own: on a machine shared with
  // other work the fastest ones say what the code costs, the wall time what it got.
  const evals = [];
  const executor = {
    alloc32: (n) => team.alloc32(n),
    alloc64: (n) => team.alloc64(n),
    evaluate: (problem) => {
      const e0 = performance.now();
      team.evaluate(problem);
      evals.push(performance.now() - e0);
    },
  };
  const times = [];
  let last = performance.now();
  const t0 = last;
  const cpu0 = process.cpuUsage();
  const fit = trainSequentialSoftmax(train, { ...DEFAULT_SOFTMAX, iterations }, {
    executor,
    onProgress: () => {
      const now = performance.now();
      times.push(now - last);
      last = now;
    },
  });
  const total = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await team.close();
  const f = DEFAULT_SOFTMAX.factors;
  const { userFactors: X, itemFactors: Y, itemBias: b } = fit;
  const model = ndcg(c, (u, out) => {
    for (let j = 0; j < nItems; j++) {
      let v = b[j];
      for (let a = 0; a < f; a++) v += X[u * f + a] * Y[j * f + a];
      out[j] = v;
    }
  });
  const sorted = times.slice().sort((x, y) => x - y);
  console.log(`${threads} thread(s): ${fit.iterations} iterations in ${total.toFixed(2)} s (median ${sorted[sorted.length >> 1].toFixed(0)} ms per iteration), final loss ${fit.losses.at(-1).toFixed(1)}, ${cpuSeconds.toFixed(2)} s CPU (all threads)`);
  const evalSorted = evals.slice().sort((x, y) => x - y);
  const evalTotal = evals.reduce((x, y) => x + y, 0) / 1000;
  console.log(`  ${evals.length} evaluations: fastest ${evalSorted[0].toFixed(0)} ms, median ${evalSorted[evals.length >> 1].toFixed(0)} ms; outside them (L-BFGS, setup) ${(total - evalTotal).toFixed(2)} s`);
  console.log(`  holdout NDCG@10 ${model.toFixed(4)} vs popularity ${popNdcg.toFixed(4)}: ${(model / popNdcg).toFixed(3)}×`);
}
