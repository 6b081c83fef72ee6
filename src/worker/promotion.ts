// Promoting a new model to an alias only if it beats the alias's current model on the same
// holdout (or popularity, when the alias is new). The decision is a pure function (decide); the
// compare-and-set on the alias is in promoteIfBetter, so of two promotions that read the alias at
// the same revision exactly one is stored. TrainModel (promote_to) calls promoteIfBetter; TuneModel
// calls it the same way.
import type { Promotion__Output } from "../generated/recflow/v1/Promotion.js";
import type { TaskMessage__Output } from "../generated/recflow/v1/TaskMessage.js";
import type { TaskResult } from "../generated/recflow/v1/TaskResult.js";
import type { ModelArtifact } from "./thread-protocol.js";
import { AliasConflictError, type ModelAliases } from "../nats/index.js";

export type PromotionDecision = "DECISION_PROMOTED" | "DECISION_NOT_BETTER" | "DECISION_ALIAS_CHANGED";

export interface PromotionFacts {
  candidateModelId: string;
  candidateScore: number;
  /** Popularity on the candidate's holdout: the bar when the alias does not exist. */
  baselineScore: number;
  /** The alias's model as read now, with its score on the candidate's holdout; null: no alias. */
  current: { modelId: string; score: number | undefined } | null;
}

export interface Decision {
  decision: PromotionDecision;
  /** True when the alias must be written (false when refused, or when it already names the candidate). */
  write: boolean;
  /** The score the candidate had to beat. */
  bar: number;
}

/**
 * Pure decision. Strictly better wins (a tie keeps what is serving). An alias that already names
 * the candidate counts as promoted without a write: a retried task whose earlier attempt promoted
 * before dying. A current model the caller could not score (undefined) is never replaced blind.
 */
export function decide(f: PromotionFacts): Decision {
  if (f.current && f.current.modelId === f.candidateModelId) return { decision: "DECISION_PROMOTED", write: false, bar: f.current.score ?? f.candidateScore };
  if (f.current && f.current.score === undefined) return { decision: "DECISION_ALIAS_CHANGED", write: false, bar: Number.NaN };
  const bar = f.current ? (f.current.score as number) : f.baselineScore;
  if (Number.isFinite(f.candidateScore) && f.candidateScore > bar) return { decision: "DECISION_PROMOTED", write: true, bar };
  return { decision: "DECISION_NOT_BETTER", write: false, bar };
}

export interface PromoteOptions {
  aliases: ModelAliases;
  tenant: string;
  alias: string;
  candidateModelId: string;
  /** The candidate's score on its own holdout. */
  candidateScore: number;
  /** What the scores are, e.g. "ndcg@10" (recorded in the alias history and the outcome). */
  metric: string;
  /** Popularity's score on the same holdout: the bar when the alias does not exist yet. */
  baselineScore: number;
  /**
   * The score of `modelId` (the alias's current model) on the candidate's holdout, or undefined
   * when this caller cannot score that model (then the alias is left alone: DECISION_ALIAS_CHANGED).
   */
  evaluateCurrent: (modelId: string) => Promise<number | undefined>;
  /** The task promoting, recorded in the alias history. */
  taskId: string;
  /**
   * Read-decide-write rounds when another change of the alias wins the compare-and-set; each
   * round re-reads the alias and scores its new model.
   * @default 1 (the loser of a race is refused with DECISION_ALIAS_CHANGED)
   */
  maxAttempts?: number;
}

const DEFAULT_MAX_ATTEMPTS = 1;

/** Reads the alias, decides, and applies the decision with a compare-and-set. */
export async function promoteIfBetter(o: PromoteOptions): Promise<Promotion__Output> {
  const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const outcome = (decision: PromotionDecision, currentScore: number, currentModelId: string, revision: number): Promotion__Output => ({
    alias: o.alias, decision, metric: o.metric, candidateScore: o.candidateScore, currentScore, currentModelId, revision,
  });
  for (let attempt = 1; ; attempt++) {
    const alias = await o.aliases.get(o.tenant, o.alias);
    const current = alias ? { modelId: alias.modelId, score: alias.modelId === o.candidateModelId ? undefined : await o.evaluateCurrent(alias.modelId) } : null;
    const d = decide({ candidateModelId: o.candidateModelId, candidateScore: o.candidateScore, baselineScore: o.baselineScore, current });
    if (!d.write) return outcome(d.decision, d.bar, alias?.modelId ?? "", alias?.revision ?? 0);
    try {
      const stored = await o.aliases.set(o.tenant, o.alias, {
        modelId: o.candidateModelId, taskId: o.taskId, metric: o.metric, score: o.candidateScore, previousScore: d.bar,
      }, alias?.revision ?? 0);
      return outcome("DECISION_PROMOTED", d.bar, alias?.modelId ?? "", stored.revision);
    } catch (err) {
      if (!(err instanceof AliasConflictError)) throw err;
      // The outcome names what the candidate was compared with; GetModelAlias shows what won.
      if (attempt >= maxAttempts) return outcome("DECISION_ALIAS_CHANGED", d.bar, alias?.modelId ?? "", err.current?.revision ?? 0);
    }
  }
}

/**
 * TrainModel / TuneModel promote_to, after the model is stored: promotes it with the scores its thread
 * computed and returns the task's result with the Promotion outcome in it.
 */
export async function applyTrainPromotion(aliases: ModelAliases, task: TaskMessage__Output, artifact: ModelArtifact, result: TaskResult): Promise<TaskResult> {
  const p = artifact.promotion!;
  const promotion = await promoteIfBetter({
    aliases, tenant: task.tenant, alias: p.alias, candidateModelId: artifact.modelId, candidateScore: p.candidateScore,
    metric: p.metric, baselineScore: p.baselineScore, taskId: task.taskId,
    // The thread scored the alias's model as the task found it when it started; a model the alias
    // was moved to since then was not scored, and is not replaced blind.
    evaluateCurrent: (modelId) => Promise.resolve(p.current?.modelId === modelId ? p.current.score : undefined),
  });
  if (result.tuneModel) return { ...result, tuneModel: { ...result.tuneModel, promotion } };
  return { ...result, trainModel: { ...result.trainModel, promotion } };
}
