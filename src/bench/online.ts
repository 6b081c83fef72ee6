// W9 online Recommend: what one user's recommendations cost through the whole service at idle, the
// path an application would call per page view, one at a time, on a model trained beforehand by
// the same stack: raw SubmitTask → WatchTask per call (the shape a client built from the .proto
// alone has; its events give the stage split) and, in alternating halves, the Node client
// (`RecflowClient.recommend`: SubmitTask, the events on the client's one shared WatchTasks stream).
import { call, createDatasetsClient, createTasksClient, uploadDataset } from "../api/client.js";
import { generateInteractions, syntheticCsvChunks } from "../engine/index.js";
import type { Dataset__Output } from "../generated/recflow/v1/Dataset.js";
import type { Task__Output } from "../generated/recflow/v1/Task.js";
import type { TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import { BenchStack, summarize, type Workload } from "./common.js";
import { runClient } from "./client.js";

const USERS = 5_000;
const ITEMS = 4_000;
const INTERACTIONS = 200_000;
const K = 10;
const P50_TARGET_MS = 5;
const P99_TARGET_MS = 15;
/** Untimed calls before either measured run. */
const WARM_STACK_CALLS = 400;

/** Trains ALS on a synthetic upload; returns the model id and some of its users. */
async function trainedModel(stack: BenchStack): Promise<{ modelId: string; userIds: string[] }> {
  const datasets = createDatasetsClient(stack.address);
  const tasks = createTasksClient(stack.address);
  try {
    const data = generateInteractions({ users: USERS, items: ITEMS, interactions: INTERACTIONS, seed: 9 });
    const enc = new TextEncoder();
    await uploadDataset<Dataset__Output>(datasets, { datasetId: "w9" }, [...syntheticCsvChunks(data, 64 * 1024)].map((c) => enc.encode(c)));
    const task = await call<object, Task__Output>(tasks.SubmitTask.bind(tasks), { task: { trainModel: { datasetId: "w9", algorithm: "ALGORITHM_ALS", als: { factors: 32, iterations: 5 }, evaluate: false, seed: 1 } } });
    const last = await new Promise<TaskEvent__Output | undefined>((resolve, reject) => {
      let ev: TaskEvent__Output | undefined;
      const s = tasks.WatchTask({ taskId: task.id, afterSequence: 0 });
      s.on("data", (e: TaskEvent__Output) => (ev = e));
      s.on("end", () => resolve(ev));
      s.on("error", reject);
    });
    const modelId = last?.succeeded?.result?.trainModel?.modelId;
    if (!modelId) throw new Error(`W9 training did not succeed: ${JSON.stringify(last?.failed?.error ?? last?.event)}`);
    // A spread of users, as an application's page views would be.
    return { modelId, userIds: Array.from({ length: 200 }, (_, i) => data.userIds[(i * 7919) % data.userIds.length]) };
  } finally {
    datasets.close();
    tasks.close();
  }
}

export const onlineRecommend: Workload = {
  name: "online",
  title: `W9 online Recommend: sequential one-user top-${K} on a trained ALS model (${USERS} × ${ITEMS}), submit → final result, idle stack`,
  async run(scale) {
    const count = Math.max(20, Math.round(500 * scale));
    const warmup = 20;
    const stack = await BenchStack.start({ workers: 2, threads: 1 });
    try {
      const { modelId, userIds } = await trainedModel(stack);
      // Warm the stack's code paths first (the gateway's, the workers', NATS's): the first few
      // hundred calls after start-up are ~1.5 ms slower, whichever client shape makes them.
      await runClient({ mode: "online", address: stack.address, count: WARM_STACK_CALLS, warmup: 0, modelId, userIds, k: K });
      // The two client shapes in alternating halves, so neither gets the better-warmed stack.
      type Stages = Record<"submit" | "queuedToStarted" | "startedToSucceeded" | "succeededToClient", number[]>;
      const r = { latencies: [] as number[], failed: 0, stages: { submit: [], queuedToStarted: [], startedToSucceeded: [], succeededToClient: [] } as Stages };
      const sdk = { latencies: [] as number[], failed: 0 };
      const half = Math.max(10, Math.round(count / 2));
      for (let round = 0; round < 2; round++) {
        const a = await runClient<{ latencies: number[]; failed: number; stages: Stages }>({ mode: "online", address: stack.address, count: half, warmup, modelId, userIds, k: K });
        const b = await runClient<{ latencies: number[]; failed: number }>({ mode: "online-sdk", address: stack.address, count: half, warmup, modelId, userIds, k: K });
        r.latencies.push(...a.latencies);
        r.failed += a.failed;
        for (const key of Object.keys(r.stages) as (keyof Stages)[]) r.stages[key].push(...a.stages[key]);
        sdk.latencies.push(...b.latencies);
        sdk.failed += b.failed;
      }
      const raw = summarize(r.latencies, "recommend_ms");
      const s = summarize(sdk.latencies, "client_recommend_ms");
      const p50 = (v: number[]): number => summarize(v, "x").x_p50;
      const stages = {
        stage_submit_ms_p50: p50(r.stages.submit), stage_queued_to_started_ms_p50: p50(r.stages.queuedToStarted),
        stage_started_to_succeeded_ms_p50: p50(r.stages.startedToSucceeded), stage_succeeded_to_client_ms_p50: p50(r.stages.succeededToClient),
      };
      return {
        name: this.name, title: this.title, config: { count, warmup, users: USERS, items: ITEMS, interactions: INTERACTIONS, k: K, factors: 32, workers: 2, threadsPerWorker: 1 },
        metrics: { ...s, ...raw, ...stages, failed: sdk.failed + r.failed },
        checks: [
          { target: `p50 ≤ ${P50_TARGET_MS} ms, p99 ≤ ${P99_TARGET_MS} ms (submit → final result, SubmitTask + WatchTask)`, measured: `p50 ${raw.recommend_ms_p50.toFixed(2)} ms, p99 ${raw.recommend_ms_p99.toFixed(2)} ms`, ok: raw.recommend_ms_p50 <= P50_TARGET_MS && raw.recommend_ms_p99 <= P99_TARGET_MS },
          { target: "every Recommend succeeded", measured: `${sdk.failed + r.failed} failed`, ok: sdk.failed + r.failed === 0 },
        ],
        notes: [
          `after ${WARM_STACK_CALLS} untimed calls that warm the stack, and ${warmup} warm-up calls per client; each client is a separate Node process using grpc-js`,
          `through RecflowClient.recommend (its runs on one shared WatchTasks stream), in alternating halves with the raw calls: p50 ${s.client_recommend_ms_p50.toFixed(2)} ms, p99 ${s.client_recommend_ms_p99.toFixed(2)} ms`,
          `where a raw call's time goes (p50 of each stage, from the events' times): submit ${stages.stage_submit_ms_p50.toFixed(2)} ms, Queued → Started ${stages.stage_queued_to_started_ms_p50.toFixed(2)} ms, Started → Succeeded ${stages.stage_started_to_succeeded_ms_p50.toFixed(2)} ms, Succeeded → client ${stages.stage_succeeded_to_client_ms_p50.toFixed(2)} ms`,
        ],
      };
    } finally {
      await stack.close();
    }
  },
};
