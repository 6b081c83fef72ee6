// The demo run by `npm run demo` on the dev stack: generate a synthetic dataset with planted
// tastes, upload it, train ALS with a live progress bar (loss and a running NDCG estimate),
// stream recommendations for a few users, and show the evaluation next to popularity.
import { clientSecurityFromEnv, createDatasetsClient, uploadDataset } from "../api/client.js";
import type { Dataset__Output } from "../generated/recflow/v1/Dataset.js";
import { generateInteractions, syntheticCsvChunks } from "../engine/index.js";
import { cliClient, watchTask } from "./task-commands.js";

const DEMO = { users: 3000, items: 2000, interactions: 150_000, seed: 42 };

export async function runDemo(address: string): Promise<number> {
  const tasks = cliClient(address);
  const datasets = createDatasetsClient(address, {}, clientSecurityFromEnv());
  try {
    const datasetId = `demo-${Date.now().toString(36)}`;
    console.error(`demo: generating ${DEMO.interactions.toLocaleString()} interactions (${DEMO.users} users × ${DEMO.items} items, planted tastes)…`);
    const data = generateInteractions(DEMO);
    const enc = new TextEncoder();
    const d = await uploadDataset<Dataset__Output>(datasets, { datasetId, displayName: "recflow demo" }, (function* () {
      for (const chunk of syntheticCsvChunks(data)) yield enc.encode(chunk);
    })());
    console.error(`demo: uploaded dataset ${d.id}: ${d.users} users, ${d.items} items, ${d.interactions} interactions (density ${(d.density * 100).toFixed(2)}%)`);

    console.error("demo: training ALS with default parameters and a holdout evaluation…");
    const train = await tasks.submit({ trainModel: { datasetId, algorithm: "ALGORITHM_ALS", evaluate: true, evalK: 10, seed: 42 } });
    if ((await watchTask(tasks, train.id, 0, false, { quiet: true })) !== 0) return 1;
    const trained = (await tasks.getTask(train.id)).result?.trainModel;
    if (!trained) return 1;

    const users = ["u0", "u1", "u2", "u3", "u4", "a-new-user"];
    console.error(`demo: recommending 5 items for ${users.join(", ")} (streamed)…`);
    const rec = await tasks.submit({ recommend: { modelId: trained.modelId, userIds: users, k: 5 } });
    if ((await watchTask(tasks, rec.id, 0, false, { quiet: true })) !== 0) return 1;

    console.log(`\nmodel ${trained.modelId}: ALS trained in ${trained.trainSeconds.toFixed(1)} s, final loss ${trained.finalLoss.toFixed(4)}`);
    console.log("holdout metrics        ALS      popularity");
    for (const key of Object.keys(trained.metrics).sort()) {
      console.log(`  ${key.padEnd(18)} ${trained.metrics[key].toFixed(4).padStart(8)} ${trained.baselineMetrics[key].toFixed(4).padStart(10)}`);
    }
    const lift = trained.metrics["ndcg@10"] / Math.max(1e-9, trained.baselineMetrics["ndcg@10"]);
    console.log(`ALS ranks held-out items ${lift.toFixed(2)}× better than popularity (NDCG@10); served as ${servedAs(trained.blend)}.`);
    for (const w of trained.warnings) console.log(`warning: ${w}`);
    console.log(`\ntry: recflow submit recommend --model ${trained.modelId} --users u7 --k 10 --watch -a ${address}`);
    return 0;
  } finally {
    tasks.close();
    datasets.close();
  }
}

/** What the training's validation chose to serve, in words. */
function servedAs(blend: { servedAs: string; weight: number } | null | undefined): string {
  switch (blend?.servedAs) {
    case "SERVED_AS_MODEL":
      return "the model alone (validation chose no popularity blend)";
    case "SERVED_AS_BLEND":
      return `the model blended with popularity (weight ${blend.weight.toFixed(2)}, chosen on validation)`;
    case "SERVED_AS_POPULARITY":
      return "popularity order, the model breaking near-ties (the model did not beat popularity on validation)";
    default:
      return "the model alone (no popularity blend)";
  }
}
