// What every engine task does with its inputs inside a compute thread: decoding models (cached per
// thread), mapping the engine's data errors to permanent task errors, and scoring an alias's
// current model on a new model's holdout for a promotion (TrainModel and TuneModel promote_to).
import {
  CorruptDataError, InvalidParamsError, NumericOverflowError, Recommender, UnsupportedVersionError, decodeModel, evaluateOnHoldout,
  type Dataset, type Evaluation, type Model, type Split,
} from "../engine/index.js";
import { status as Code } from "@grpc/grpc-js";
import { PermanentTaskError } from "../errors.js";
import type { SharedBlob } from "./artifact-cache.js";
import type { PromotionScores, ThreadJob } from "./thread-protocol.js";
import type { ThreadContext } from "./task-thread.js";

// Decoded models stay cached per thread (decoding builds id lists): keyed by name@digest.
const models = new Map<string, { model: Model; recommender: Recommender }>();
const MAX_CACHED_MODELS = 2;

/** Maps the engine's data errors to permanent task errors; anything else propagates. */
export function permanentFrom<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CorruptDataError || err instanceof UnsupportedVersionError) {
      throw new PermanentTaskError(err.message, { code: Code.FAILED_PRECONDITION, reason: err instanceof CorruptDataError ? "CORRUPT_DATA" : "UNSUPPORTED_VERSION", cause: err });
    }
    if (err instanceof InvalidParamsError) throw new PermanentTaskError(err.message, { code: Code.INVALID_ARGUMENT, reason: "INVALID_PARAMS", cause: err });
    // Training is deterministic, so a diverged one diverges again: fail at once, store nothing.
    if (err instanceof NumericOverflowError) throw new PermanentTaskError(err.message, { code: Code.INVALID_ARGUMENT, reason: "NUMERIC_OVERFLOW", cause: err });
    throw err;
  }
}

export function loadModel(blob: SharedBlob | undefined): { model: Model; recommender: Recommender } {
  if (!blob) throw new Error("model input missing");
  let hit = models.get(blob.key);
  if (!hit) {
    const model = permanentFrom(() => decodeModel(new Uint8Array(blob.buffer)));
    hit = { model, recommender: new Recommender(model) };
    if (models.size >= MAX_CACHED_MODELS) models.delete(models.keys().next().value as string);
    models.set(blob.key, hit);
  }
  return hit;
}

/**
 * promote_to: the new model's and popularity's ndcg@k from the training's evaluation,
 * and the alias's model (as the task found it at start) scored on the very same holdout.
 */
export function promotionScores(alias: string, r: { evaluation: Evaluation; holdout: Split }, dataset: Dataset, k: number, job: ThreadJob, ctx: ThreadContext): PromotionScores {
  const metric = `ndcg@${k}`;
  const scores: PromotionScores = { alias, metric, candidateScore: r.evaluation.metrics[metric], baselineScore: r.evaluation.baseline[metric] };
  const current = job.inputs.aliasModel;
  if (current) {
    ctx.post({ type: "progress", fraction: 1, message: `scoring ${current.id} (alias ${alias}) on the holdout`, metrics: {} });
    const { recommender } = loadModel(current.blob);
    scores.current = { modelId: current.id, score: evaluateOnHoldout(recommender, dataset, r.holdout, k, ctx).metrics[metric] };
  }
  return scores;
}

