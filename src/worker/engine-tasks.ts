// The recommendation task kinds, run inside a compute thread: TrainModel, Recommend,
// SimilarItems, Evaluate (and TuneModel, in tune-task.ts). Inputs arrive as shared memory
// (decoded in place); large results are posted as PartialResult chunks kept under the event size
// limit; engine errors about data (corrupt model, unknown version, bad params) are permanent.
import { status as Code } from "@grpc/grpc-js";
import { decodeDataset, encodeModel, evaluateRecommender, isFactorModel, itemMask, sortedRuns, trainModel, MODEL_FORMAT_VERSION, type ManyTopK, type Scored } from "../engine/index.js";
import type { TaskResult } from "../generated/recflow/v1/TaskResult.js";
import type { UserRecommendations } from "../generated/recflow/v1/UserRecommendations.js";
import type { ItemNeighbours } from "../generated/recflow/v1/ItemNeighbours.js";
import type { TaskSpec__Output } from "../generated/recflow/v1/TaskSpec.js";
import { PermanentTaskError } from "../errors.js";
import type { ThreadJob } from "./thread-protocol.js";
import type { ThreadContext } from "./task-thread.js";
import { trainingTeams } from "./training-teams.js";
import { teamTopK } from "./scoring-team.js";
import { ALGORITHM_NAMES, PROTO_ALGORITHM, alsFromProto, blendToProto, knnFromProto, softmaxFromProto } from "./engine-params.js";
import { loadModel, permanentFrom, promotionScores } from "./engine-inputs.js";
import { runTuneTask } from "./tune-task.js";

/** Posts records in chunks whose estimated encoded size stays under maxBytes. */
class Chunker<T> {
  #items: T[] = [];
  #bytes = 0;
  chunks = 0;
  constructor(private readonly ctx: ThreadContext, private readonly maxBytes: number, private readonly field: "recommendations" | "neighbours") {}
  add(item: T, bytes: number): void {
    if (this.#items.length > 0 && this.#bytes + bytes > this.maxBytes) this.flush();
    this.#items.push(item);
    this.#bytes += bytes;
  }
  flush(): void {
    if (this.#items.length === 0) return;
    const chunk = { chunkIndex: this.chunks++, recommendations: [], neighbours: [], [this.field]: this.#items };
    this.ctx.post({ type: "partial", chunk });
    this.#items = [];
    this.#bytes = 0;
  }
}

/** Rows scored between two abort checks on a single thread. */
const SLICE_ROWS = 256;
/** Below this many rows a team's thread start-up (~50-100 ms) costs more than it saves. */
const TEAM_MIN_ROWS = 2048;

/** Many-row Recommend / SimilarItems on a factor model split over the task's threads (RECFLOW_TRAIN_THREADS). */
const useTeam = (ctx: ThreadContext, rows: number): boolean => ctx.trainThreads > 1 && rows >= TEAM_MIN_ROWS;

/**
 * An evaluation's users (TrainModel's holdout, Evaluate) scored on the task's team of threads, as
 * many-row Recommend is: the same lists as on one thread (the same kernel, rows split by units).
 */
const teamScoring = (ctx: ThreadContext): ManyTopK => (model, rows, k, signal, onRow) => {
  if (!useTeam(ctx, rows.length)) return false;
  teamTopK({
    threads: ctx.trainThreads, rows, k, ...(signal ? { signal } : {}),
    space: { f: model.factors, nItems: model.itemIds.length, items: model.itemFactors!, queries: model.userFactors!, ...(model.itemBias ? { bias: model.itemBias } : {}) },
    exclude: { seenPtr: model.seenPtr, seenIdx: sortedRuns(model.seenPtr, model.seenIdx) },
  }, onRow);
  return true;
};

/** Protobuf size estimate of a scored list: ids plus a float and framing per entry. */
const scoredBytes = (ids: string[]): number => ids.reduce((n, id) => n + id.length * 3 + 12, 16);

export function runEngineTask(spec: TaskSpec__Output, job: ThreadJob, ctx: ThreadContext): TaskResult {
  switch (spec.kind) {
    case "trainModel": {
      const t = spec.trainModel!;
      const algorithm = ALGORITHM_NAMES[t.algorithm];
      if (!algorithm) throw new PermanentTaskError(`unknown algorithm ${t.algorithm}`, { code: Code.INVALID_ARGUMENT, reason: "INVALID_PARAMS" });
      const dataset = permanentFrom(() => decodeDataset(new Uint8Array(job.inputs.dataset!.buffer)));
      const evalK = t.evalK || 10;
      // A promotion compares on this training's holdout, so it needs one.
      const evaluate = t.evaluate || t.promoteTo !== "";
      const team = trainingTeams([algorithm], ctx.trainThreads);
      let r;
      try {
        r = permanentFrom(() => trainModel(dataset, {
          algorithm, evaluate, evalK, seed: Number(t.seed),
          als: alsFromProto(t.als), knn: knnFromProto(t.knn), softmax: softmaxFromProto(t.softmax), blend: t.noPopularityBlend ? "off" : "auto",
        }, (p) => ctx.post({ type: "progress", fraction: p.fraction, message: p.message, metrics: p.metrics, milestone: p.milestone }), ctx, team.executors, teamScoring(ctx)));
      } finally {
        // Helper threads end with the training (also on abort or error); nothing awaits them.
        team.close();
      }
      const bytes = encodeModel(r.model);
      const modelId = job.inputs.modelId!;
      const info = r.model.info;
      ctx.setArtifact({
        bytes, modelId, algorithm: PROTO_ALGORITHM[algorithm], users: r.model.userIds.length, items: r.model.itemIds.length,
        factors: r.model.factors, iterations: info.iterations, finalLoss: info.finalLoss, formatVersion: MODEL_FORMAT_VERSION,
        metrics: info.metrics, baselineMetrics: info.baselineMetrics, trainSeconds: info.trainSeconds,
        ...(t.promoteTo && r.evaluation && r.holdout ? { promotion: promotionScores(t.promoteTo, { evaluation: r.evaluation, holdout: r.holdout }, dataset, evalK, job, ctx) } : {}),
      });
      return {
        trainModel: {
          modelId, algorithm: PROTO_ALGORITHM[algorithm], users: r.model.userIds.length, items: r.model.itemIds.length,
          iterations: info.iterations, finalLoss: info.finalLoss, metrics: info.metrics, baselineMetrics: info.baselineMetrics, trainSeconds: info.trainSeconds,
          ...(r.blend ? { blend: blendToProto(r.blend) } : {}), warnings: r.warnings,
        },
      };
    }
    case "tuneModel": {
      return runTuneTask(spec.tuneModel!, job, ctx);
    }
    case "recommend": {
      const q = spec.recommend!;
      const { model, recommender } = loadModel(job.inputs.model);
      const toIndices = (ids: string[]): Int32Array => Int32Array.from(ids.map((id) => recommender.itemIndex(id)).filter((i): i is number => i !== undefined));
      const opts = {
        excludeSeen: q.excludeSeen ?? true,
        ...(q.allowItems.length ? { allow: toIndices(q.allowItems) } : {}),
        ...(q.denyItems.length ? { deny: toIndices(q.denyItems) } : {}),
      };
      const users = q.allUsers ? model.userIds : q.userIds;
      const rows = Int32Array.from(users, (id) => recommender.userIndex(id) ?? -1);
      const chunker = new Chunker<UserRecommendations>(ctx, job.maxChunkBytes, "recommendations");
      let cold = 0;
      const step = Math.max(1, Math.floor(users.length / 20));
      const emit = (j: number, top: Scored[], coldStart: boolean): void => {
        if (coldStart) cold++;
        const ids = top.map((s) => model.itemIds[s.index]);
        chunker.add({ userId: users[j], coldStart, items: top.map((s, n) => ({ itemId: ids[n], score: s.score })) }, scoredBytes(ids) + users[j].length * 3);
        if ((j + 1) % step === 0) ctx.post({ type: "progress", fraction: (j + 1) / users.length, message: `${j + 1}/${users.length} users` });
      };
      if (isFactorModel(model.algorithm) && useTeam(ctx, rows.length)) {
        let popular: Scored[] | undefined;
        const seenPtr = model.seenPtr;
        teamTopK({
          threads: ctx.trainThreads, rows, k: q.k, signal: ctx, mask: itemMask(model.itemIds.length, opts),
          space: { f: model.factors, nItems: model.itemIds.length, items: model.itemFactors!, queries: model.userFactors!, ...(model.itemBias ? { bias: model.itemBias } : {}) },
          ...(opts.excludeSeen ? { exclude: { seenPtr, seenIdx: sortedRuns(seenPtr, model.seenIdx) } } : {}),
        }, (j, list) => emit(j, list ?? (popular ??= recommender.popular(q.k, opts)), list === undefined));
      } else {
        for (let j = 0; j < rows.length && !ctx.aborted; j += SLICE_ROWS) recommender.recommendMany(rows, q.k, opts, emit, j, Math.min(rows.length, j + SLICE_ROWS));
      }
      chunker.flush();
      return { recommend: { users: users.length, coldStartUsers: cold, chunks: chunker.chunks, modelId: job.inputs.usedModelId ?? q.modelId } };
    }
    case "similarItems": {
      const q = spec.similarItems!;
      const { model, recommender } = loadModel(job.inputs.model);
      if (model.algorithm === "popularity") throw new PermanentTaskError("a popularity model has no item similarities; train ALS, item-kNN or sequential softmax", { code: Code.FAILED_PRECONDITION, reason: "UNSUPPORTED_FOR_MODEL" });
      const chunker = new Chunker<ItemNeighbours>(ctx, job.maxChunkBytes, "neighbours");
      const rows = Int32Array.from(q.itemIds, (id) => recommender.itemIndex(id) ?? -1);
      const unknown = rows.reduce((n, i) => n + (i < 0 ? 1 : 0), 0);
      const emit = (j: number, top: Scored[]): void => {
        const itemId = q.itemIds[j];
        const ids = top.map((s) => model.itemIds[s.index]);
        chunker.add({ itemId, unknown: rows[j] < 0, similar: top.map((s, n) => ({ itemId: ids[n], score: s.score })) }, scoredBytes(ids) + itemId.length * 3);
      };
      if (isFactorModel(model.algorithm) && useTeam(ctx, rows.length)) {
        teamTopK({
          threads: ctx.trainThreads, rows, k: q.k, signal: ctx, exclude: "self",
          space: { f: model.factors, nItems: model.itemIds.length, items: model.itemFactors!, cosine: true },
        }, (j, list) => emit(j, list ?? []));
      } else {
        for (let j = 0; j < rows.length && !ctx.aborted; j += SLICE_ROWS) recommender.similarMany(rows, q.k, emit, j, Math.min(rows.length, j + SLICE_ROWS));
      }
      chunker.flush();
      return { similarItems: { items: q.itemIds.length, unknownItems: unknown, chunks: chunker.chunks, modelId: job.inputs.usedModelId ?? q.modelId } };
    }
    case "evaluate": {
      const q = spec.evaluate!;
      const { model, recommender } = loadModel(job.inputs.model);
      const data = permanentFrom(() => decodeDataset(new Uint8Array(job.inputs.dataset!.buffer)));
      // Relevant items: the dataset's items for each user the model knows, except those the
      // model saw in training for that user (they are never recommended).
      const test: Int32Array[] = Array.from({ length: model.userIds.length }, () => new Int32Array(0));
      for (let du = 0; du < data.userIds.length; du++) {
        const u = recommender.userIndex(data.userIds[du]);
        if (u === undefined) continue;
        const seen = new Set(model.seenIdx.subarray(model.seenPtr[u], model.seenPtr[u + 1]));
        const rel: number[] = [];
        for (let k = data.indptr[du]; k < data.indptr[du + 1]; k++) {
          const i = recommender.itemIndex(data.itemIds[data.indices[k]]);
          if (i !== undefined && !seen.has(i)) rel.push(i);
        }
        test[u] = Int32Array.from(rel);
      }
      const e = evaluateRecommender(recommender, test, q.k, { signal: ctx, onProgress: (f) => ctx.post({ type: "progress", fraction: f, message: "evaluating" }), manyTopK: teamScoring(ctx) });
      return { evaluate: { k: q.k, usersEvaluated: e.users, metrics: e.metrics, baselineMetrics: e.baseline, modelId: job.inputs.usedModelId ?? q.modelId } };
    }
    default:
      throw new PermanentTaskError(`task kind ${String(spec.kind)} is not an engine task`, { code: 12, reason: "KIND_UNAVAILABLE" });
  }
}
