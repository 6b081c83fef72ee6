// Training a model from a dataset, end to end: optional holdout split, fitting (ALS, item-kNN or
// popularity) with progress, evaluation next to popularity, and the Model to store.
import { trainAls, DEFAULT_ALS, type AlsExecutor, type AlsParams, type Csr } from "./als.js";
import { transpose, type Dataset } from "./dataset.js";
import { evaluateRecommender, type Evaluation } from "./evaluate.js";
import type { AbortFlag } from "./errors.js";
import { trainItemKnn, DEFAULT_KNN, type KnnParams } from "./knn.js";
import { Recommender, type Algorithm, type Model } from "./model.js";
import { itemPopularity } from "./popularity.js";
import { holdoutSplit, type Split } from "./split.js";

export interface TrainSpec {
  algorithm: Algorithm;
  als?: Partial<AlsParams>;
  knn?: Partial<KnnParams>;
  evaluate: boolean;
  evalK: number;
  seed: number;
}

export interface TrainProgress {
  fraction: number;
  message: string;
  metrics: Record<string, number>;
}

export interface TrainResult {
  model: Model;
  losses: number[];
  evaluation?: Evaluation;
  /** The split `evaluation` was computed on: lets another model be scored on the same holdout. */
  holdout?: Split;
}

/** Live metric estimates use a sample of test users, so progress stays cheap. */
const LIVE_EVAL_USERS = 300;

/** Trains the spec's algorithm on `d`; ALS rows are solved by `executor` (default: this thread). */
export function trainModel(d: Dataset, spec: TrainSpec, onProgress: (p: TrainProgress) => void = () => undefined, signal?: AbortFlag, executor?: AlsExecutor): TrainResult {
  const started = performance.now();
  const split = spec.evaluate ? holdoutSplit(d, { seed: spec.seed }) : undefined;
  const train: Dataset = split ? split.train : d;
  const nUsers = train.userIds.length;
  const nItems = train.itemIds.length;
  const C: Csr = train;
  const Ct = transpose(train);
  const base: Model = {
    algorithm: spec.algorithm, userIds: train.userIds, itemIds: train.itemIds, seenPtr: train.indptr, seenIdx: train.indices,
    popularity: itemPopularity(C, nItems), factors: 0,
    info: { params: {}, iterations: 0, finalLoss: 0, metrics: {}, baselineMetrics: {}, trainSeconds: 0, createdAt: Date.now() },
  };
  const losses: number[] = [];
  const fitShare = spec.evaluate ? 0.9 : 1;
  if (spec.algorithm === "als") {
    const p: AlsParams = { ...DEFAULT_ALS, ...definedOnly(spec.als), seed: spec.seed };
    base.info.params = { ...p };
    const live = (X: Float32Array, Y: Float32Array): Record<string, number> => {
      if (!split) return {};
      const e = evaluateRecommender(new Recommender({ ...base, factors: p.factors, userFactors: X, itemFactors: Y }), split.test, spec.evalK, { maxUsers: LIVE_EVAL_USERS, signal });
      return { [`ndcg@${spec.evalK}~`]: e.metrics[`ndcg@${spec.evalK}`] };
    };
    let factorsRef: { X: Float32Array; Y: Float32Array } | undefined;
    const fit = trainAls(C, Ct, nUsers, nItems, p, {
      signal,
      onFactors: (X, Y) => (factorsRef = { X, Y }),
      ...(executor ? { executor } : {}),
      onProgress: (pr) => {
        losses.push(pr.loss);
        const metrics: Record<string, number> = { loss: pr.loss, iteration: pr.iteration };
        if (factorsRef) Object.assign(metrics, live(factorsRef.X, factorsRef.Y));
        onProgress({ fraction: pr.fraction * fitShare, message: `ALS iteration ${pr.iteration}/${pr.iterations}`, metrics });
      },
    });
    Object.assign(base, { factors: p.factors, userFactors: fit.userFactors, itemFactors: fit.itemFactors });
    base.info.iterations = p.iterations;
    base.info.finalLoss = losses.at(-1) ?? 0;
  } else if (spec.algorithm === "item_knn") {
    const p: KnnParams = { ...DEFAULT_KNN, ...definedOnly(spec.knn) };
    base.info.params = { ...p };
    base.neighbours = trainItemKnn(C, Ct, nItems, p, (f) => onProgress({ fraction: f * fitShare, message: "item-kNN similarities", metrics: {} }), signal);
    base.factors = p.neighbors;
  } else {
    onProgress({ fraction: fitShare, message: "popularity counted", metrics: {} });
  }
  let evaluation: Evaluation | undefined;
  if (split) {
    evaluation = evaluateRecommender(new Recommender(base), split.test, spec.evalK, {
      signal, onProgress: (f) => onProgress({ fraction: fitShare + f * (1 - fitShare), message: "evaluating on the holdout", metrics: {} }),
    });
    base.info.metrics = evaluation.metrics;
    base.info.baselineMetrics = evaluation.baseline;
  }
  base.info.trainSeconds = (performance.now() - started) / 1000;
  return { model: base, losses, ...(evaluation && split ? { evaluation, holdout: split } : {}) };
}

/** Drops undefined and zero values ("0 means default" in the API). */
function definedOnly<T extends object>(o: Partial<T> | undefined): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (v !== undefined && v !== 0) (out as Record<string, unknown>)[k] = v;
  return out;
}
