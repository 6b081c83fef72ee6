// TuneModel in a compute thread: the engine's seeded search (src/engine/tune.ts) with each
// finished trial streamed as a Progress event and the leaderboard so far as a PartialResult,
// ALS and softmax trials run on the task's thread teams, and the winner stored like a TrainModel's model.
import { decodeDataset, encodeModel, tune, MODEL_FORMAT_VERSION } from "../engine/index.js";
import type { TaskResult } from "../generated/recflow/v1/TaskResult.js";
import type { TuneModel__Output } from "../generated/recflow/v1/TuneModel.js";
import { trainingTeams } from "./training-teams.js";
import { PROTO_ALGORITHM, spaceFromProto, trialToProto } from "./engine-params.js";
import { permanentFrom, promotionScores } from "./engine-inputs.js";
import type { ThreadJob } from "./thread-protocol.js";
import type { ThreadContext } from "./task-thread.js";

/** Leaderboard entries streamed per PartialResult (the full board is in the final result). */
const STREAMED_TRIALS = 20;
/** max_trials 0 means "as many as the time budget allows"; the gateway bounds the budget. */
const UNBOUNDED_TRIALS = 1_000_000;

export function runTuneTask(t: TuneModel__Output, job: ThreadJob, ctx: ThreadContext): TaskResult {
  const dataset = permanentFrom(() => decodeDataset(new Uint8Array(job.inputs.dataset!.buffer)));
  const evalK = t.evalK || 10;
  const space = spaceFromProto(t.space);
  // ALS and softmax trials split their work over the task's threads; kNN and popularity trials are cheap.
  const team = trainingTeams(space.algorithms, ctx.trainThreads);
  let chunkIndex = 0;
  let r;
  try {
    r = permanentFrom(() => tune(dataset, {
      space, evalK, seed: Number(t.seed),
      budget: { maxTrials: t.maxTrials || UNBOUNDED_TRIALS, timeBudgetMs: t.timeBudgetSeconds * 1000 },
    }, {
      signal: ctx,
      executors: team.executors,
      onTrial: (trial, board, done) => {
        const fraction = t.maxTrials ? Math.min(0.8, (0.8 * done) / t.maxTrials) : 0;
        ctx.post({ type: "progress", milestone: true, fraction, message: `trial ${done} done: ${trialToProto(trial).description}`, metrics: { trial: trial.index, [`validation_ndcg@${evalK}`]: trial.score, [`best_validation_ndcg@${evalK}`]: board[0].score } });
        ctx.post({ type: "partial", chunk: { chunkIndex: chunkIndex++, recommendations: [], neighbours: [], leaderboard: board.slice(0, STREAMED_TRIALS).map(trialToProto) } });
      },
      onProgress: (fraction, message) => ctx.post({ type: "progress", fraction, message, metrics: {} }),
    }));
  } finally {
    // Helper threads end with the search (also on abort or error); nothing awaits them.
    team.close();
  }
  const model = r.model;
  const info = model.info;
  const modelId = job.inputs.modelId!;
  const algorithm = PROTO_ALGORITHM[model.algorithm];
  ctx.setArtifact({
    bytes: encodeModel(model), modelId, algorithm, users: model.userIds.length, items: model.itemIds.length,
    factors: model.factors, iterations: info.iterations, finalLoss: info.finalLoss, formatVersion: MODEL_FORMAT_VERSION,
    metrics: info.metrics, baselineMetrics: info.baselineMetrics, trainSeconds: info.trainSeconds,
    ...(t.promoteTo ? { promotion: promotionScores(t.promoteTo, { evaluation: r.holdout.best, holdout: r.split }, dataset, evalK, job, ctx) } : {}),
  });
  return {
    tuneModel: {
      modelId, algorithm, best: trialToProto(r.best), leaderboard: r.leaderboard.map(trialToProto),
      metrics: r.holdout.best.metrics, defaultMetrics: r.holdout.defaults.metrics, baselineMetrics: r.holdout.best.baseline,
      trials: r.leaderboard.length, stoppedByTime: r.stoppedByTime, trainSeconds: info.trainSeconds,
      users: model.userIds.length, items: model.itemIds.length,
    },
  };
}
