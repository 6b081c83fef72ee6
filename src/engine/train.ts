// Training a model from a dataset, end to end: optional holdout split, a validation split carved
// from the training part, fitting (ALS, item-kNN, sequential softmax or popularity) with progress, the popularity
// blend chosen on validation, evaluation next to popularity, and the Model to store.
//
// The holdout the training reports on is never used to choose anything: β (and, in TuneModel,
// the parameters) are chosen on the validation split, which comes out of the training part.
import { assertFiniteFactors, cgScratch, gram, solveRange, trainAls, DEFAULT_ALS, type AlsExecutor, type AlsParams, type Csr } from "./als.js";
import { bm25Weights, scaleWeights, type ConfidenceScaling } from "./confidence.js";
import { transpose, type Dataset } from "./dataset.js";
import { evaluateRecommender, type Evaluation, type ManyTopK } from "./evaluate.js";
import { InvalidParamsError, type AbortFlag } from "./errors.js";
import { trainItemKnn, DEFAULT_KNN, type KnnParams } from "./knn.js";
import { Recommender, type Algorithm, type Model } from "./model.js";
import { trainSequentialSoftmax, DEFAULT_SOFTMAX, type DrawOrder, type SoftmaxExecutor, type SoftmaxParams } from "./sequential-softmax.js";
import { blendBias, chooseBlend, validationSplit, type BlendChoice } from "./popularity-blend.js";
import { itemPopularity } from "./popularity.js";
import { holdoutSplit, type Split } from "./split.js";

/** ALS parameters as a training takes them: the solver's, plus how weights become confidence. */
export interface AlsTrainParams extends AlsParams {
  /** c = 1 + α·w ("linear") or c = 1 + α·log(1 + w/ε) ("log"). @default "log" */
  scaling: ConfidenceScaling;
  /** ε of the log scaling, in weight units. @default 1 */
  epsilon: number;
}

export const DEFAULT_ALS_TRAIN: AlsTrainParams = { ...DEFAULT_ALS, scaling: "log", epsilon: 1 };

/**
 * The sequential softmax's parameters as a training takes them: the draw order may be "auto", and
 * then the training's validation split chooses (drawOrders).
 */
export type SoftmaxTrainParams = Omit<SoftmaxParams, "order"> & { order: DrawOrder | "auto" };

export const DEFAULT_SOFTMAX_TRAIN: SoftmaxTrainParams = { ...DEFAULT_SOFTMAX, order: "auto" };

/**
 * The draw orders a softmax training of `order` tries: without timestamps only "none"; "auto"
 * tries oldest-first and newest-first, which timestamped data tells apart (the bank's short
 * histories are drawn oldest-first; a walk through a catalogue is read right newest-first).
 */
export function drawOrders(train: Dataset, order: DrawOrder | "auto"): DrawOrder[] {
  if (!train.timestamps) return ["none"];
  return order === "auto" ? ["oldest-first", "newest-first"] : [order];
}

/** "auto": the validation split chooses how much popularity to blend in (β ≥ 0); "off": never. */
export type BlendMode = "auto" | "off";

export interface TrainSpec {
  algorithm: Algorithm;
  als?: Partial<AlsTrainParams>;
  knn?: Partial<KnnParams>;
  softmax?: Partial<SoftmaxTrainParams>;
  evaluate: boolean;
  evalK: number;
  seed: number;
  /** @default "auto" */
  blend?: BlendMode;
}

export interface TrainProgress {
  fraction: number;
  message: string;
  metrics: Record<string, number>;
  /** Keep this one even when progress is throttled: each ALS iteration's loss is the loss curve. */
  milestone?: boolean;
}

export interface TrainResult {
  model: Model;
  losses: number[];
  evaluation?: Evaluation;
  /** The split `evaluation` was computed on: lets another model be scored on the same holdout. */
  holdout?: Split;
  /** What the validation chose for the popularity blend (absent for popularity, or blend off). */
  blend?: BlendChoice;
  /** Said out loud, never served silently: e.g. the model ranks below popularity on its holdout. */
  warnings: string[];
}

/** Live metric estimates use a sample of test users, so progress stays cheap. */
const LIVE_EVAL_USERS = 300;
/**
 * Below this many holdout users a training's metrics get a warning: one user more or less moves
 * NDCG@10 by several points, more than the gap between most models and popularity.
 */
const MIN_MEANINGFUL_HOLDOUT_USERS = 30;

/** Where a fit's heavy loops run (default: the calling thread): a team of threads per algorithm. */
export interface Executors {
  als?: AlsExecutor;
  softmax?: SoftmaxExecutor;
}

/** Everything a fit needs besides the data and the parameters. */
export interface FitOptions {
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortFlag;
  executors?: Executors;
  /** Test users for the live NDCG estimate during ALS iterations. */
  liveTest?: Int32Array[];
  evalK?: number;
}

/** Fully resolved parameters of one fit (what a model records, and what TuneModel searches). */
export type FitParams =
  | { algorithm: "als"; als: AlsTrainParams }
  | { algorithm: "item_knn"; knn: KnnParams }
  | { algorithm: "sequential_softmax"; softmax: SoftmaxTrainParams }
  | { algorithm: "popularity" };

/** Resolves a spec's parameters against the defaults ("0 means default" in the API). */
export function resolveParams(spec: Pick<TrainSpec, "algorithm" | "als" | "knn" | "softmax" | "seed">): FitParams {
  if (spec.algorithm === "als") return { algorithm: "als", als: { ...DEFAULT_ALS_TRAIN, ...definedOnly(spec.als), seed: spec.seed } };
  if (spec.algorithm === "item_knn") return { algorithm: "item_knn", knn: { ...DEFAULT_KNN, ...definedOnly(spec.knn) } };
  if (spec.algorithm === "sequential_softmax") return { algorithm: "sequential_softmax", softmax: { ...DEFAULT_SOFTMAX_TRAIN, ...definedOnly(spec.softmax), seed: spec.seed } };
  return { algorithm: "popularity" };
}

/** A model of `params` fitted on `train` (seen items = train's), without blend or evaluation. */
export function fitModel(train: Dataset, params: FitParams, opts: FitOptions = {}): { model: Model; losses: number[] } {
  const nUsers = train.userIds.length;
  const nItems = train.itemIds.length;
  const onProgress = opts.onProgress ?? ((): void => undefined);
  const model: Model = {
    algorithm: params.algorithm, userIds: train.userIds, itemIds: train.itemIds, seenPtr: train.indptr, seenIdx: train.indices,
    popularity: itemPopularity(train, nItems), factors: 0,
    info: { params: {}, iterations: 0, finalLoss: 0, metrics: {}, baselineMetrics: {}, trainSeconds: 0, createdAt: Date.now() },
  };
  const losses: number[] = [];
  if (params.algorithm === "als") {
    const p = params.als;
    if (!(p.epsilon > 0)) throw new InvalidParamsError("ALS needs epsilon > 0");
    model.info.params = { ...p };
    const C: Csr = scaleWeights(train, p.scaling, p.epsilon);
    const k = opts.evalK ?? 10;
    let factorsRef: { X: Float32Array; Y: Float32Array } | undefined;
    const live = (): Record<string, number> => {
      if (!opts.liveTest || !factorsRef) return {};
      const e = evaluateRecommender(new Recommender({ ...model, factors: p.factors, userFactors: factorsRef.X, itemFactors: factorsRef.Y }), opts.liveTest, k, { maxUsers: LIVE_EVAL_USERS, signal: opts.signal });
      return { [`ndcg@${k}~`]: e.metrics[`ndcg@${k}`] };
    };
    const fit = trainAls(C, transpose({ ...train, weights: C.weights }), nUsers, nItems, p, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.executors?.als ? { executor: opts.executors.als } : {}),
      onFactors: (X, Y) => (factorsRef = { X, Y }),
      onProgress: (pr) => {
        losses.push(pr.loss);
        onProgress({ fraction: pr.fraction, message: `ALS iteration ${pr.iteration}/${pr.iterations}`, metrics: { loss: pr.loss, iteration: pr.iteration, ...live() }, milestone: true });
      },
    });
    Object.assign(model, { factors: p.factors, userFactors: fit.userFactors, itemFactors: fit.itemFactors });
    model.info.iterations = p.iterations;
    model.info.finalLoss = losses.at(-1) ?? 0;
  } else if (params.algorithm === "item_knn") {
    const p = params.knn;
    model.info.params = { ...p };
    const W = knnWeights(train, p);
    model.neighbours = trainItemKnn(W, transpose(W), nItems, p, (f) => onProgress({ fraction: f, message: "item-kNN similarities", metrics: {} }), opts.signal);
    model.factors = p.neighbors;
  } else if (params.algorithm === "sequential_softmax") {
    // Without a validation split to choose, "auto" reads the history oldest-first (trainModel chooses).
    const p: SoftmaxParams = { ...params.softmax, order: drawOrders(train, params.softmax.order)[0] };
    model.info.params = { ...p };
    const fit = trainSequentialSoftmax(train, p, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.executors?.softmax ? { executor: opts.executors.softmax } : {}),
      onProgress: (pr) => {
        losses.push(pr.loss);
        onProgress({ fraction: pr.fraction, message: `softmax iteration ${pr.iteration}/${pr.iterations}`, metrics: { loss: pr.loss, iteration: pr.iteration }, milestone: true });
      },
    });
    // The learned item bias c is part of the score; a popularity blend is added to it (withBlend).
    Object.assign(model, { factors: p.factors, userFactors: fit.userFactors, itemFactors: fit.itemFactors, itemBias: fit.itemBias });
    model.info.iterations = fit.iterations;
    model.info.finalLoss = losses.at(-1) ?? 0;
  } else {
    onProgress({ fraction: 1, message: "popularity counted", metrics: {} });
  }
  return { model, losses };
}

/**
 * `fitted` (fitted on part of `train`) made to serve `train`: seen items and popularity from all
 * of it, and the validation items made to count for their users: for ALS every user's factors
 * are solved again against all of the user's interactions (one half-sweep with the item factors
 * fixed); the sequential softmax, whose users cannot be solved in closed form, is refitted on all
 * of `train` warm-started from `fitted` for a third of its iterations (at least REFIT_MIN).
 */
export function serveOn(fitted: Model, train: Dataset, opts: Pick<FitOptions, "signal" | "executors"> = {}): Model {
  const model: Model = { ...fitted, seenPtr: train.indptr, seenIdx: train.indices, popularity: itemPopularity(train, train.itemIds.length) };
  if (fitted.algorithm === "als" && fitted.userFactors && fitted.itemFactors) {
    const p = fitted.info.params as unknown as AlsTrainParams;
    const f = fitted.factors;
    const X = fitted.userFactors.slice();
    const C = scaleWeights(train, p.scaling, p.epsilon);
    // More CG steps than a sweep: this solve is the last word on each user's factors.
    solveRange(X, fitted.itemFactors, gram(fitted.itemFactors, train.itemIds.length, f, p.regularization), C, f, p.alpha, Math.max(p.cgSteps, 6), 0, train.userIds.length, cgScratch(f));
    // The fit never saw the validation interactions; a non-finite one makes this user NaN here.
    assertFiniteFactors(X, "user", "re-solving the users on all their interactions");
    model.userFactors = X;
  } else if (fitted.algorithm === "sequential_softmax" && fitted.userFactors && fitted.itemFactors && fitted.itemBias) {
    const p = fitted.info.params as unknown as SoftmaxParams;
    const fit = trainSequentialSoftmax(train, { ...p, iterations: Math.max(REFIT_MIN, Math.round(p.iterations / 3)) }, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.executors?.softmax ? { executor: opts.executors.softmax } : {}),
      init: { userFactors: fitted.userFactors, itemFactors: fitted.itemFactors, itemBias: fitted.itemBias },
    });
    Object.assign(model, { userFactors: fit.userFactors, itemFactors: fit.itemFactors, itemBias: fit.itemBias });
  }
  return model;
}

/** Fewest L-BFGS iterations of the sequential softmax's refit on all the training data. */
const REFIT_MIN = 10;

/** `model` with the popularity blend β·log(1 + popularity) added to its item bias (none for β = 0). */
export function withBlend(model: Model, beta: number): Model {
  const bias = blendBias(beta, model.popularity);
  if (!bias) return model;
  if (model.itemBias) for (let i = 0; i < bias.length; i++) bias[i] += model.itemBias[i];
  return { ...model, itemBias: bias };
}

/**
 * Trains the spec's algorithm on `d`; the fit's heavy loops run on `executors` (default: this
 * thread), and the holdout's users are scored by `manyTopK` when given (default: blocked, on this
 * thread).
 */
export function trainModel(d: Dataset, spec: TrainSpec, onProgress: (p: TrainProgress) => void = () => undefined, signal?: AbortFlag, executors?: Executors, manyTopK?: ManyTopK): TrainResult {
  const started = performance.now();
  const params = resolveParams(spec);
  const split = spec.evaluate ? holdoutSplit(d, { seed: spec.seed }) : undefined;
  const train: Dataset = split ? split.train : d;
  const blendOn = params.algorithm !== "popularity" && (spec.blend ?? "auto") === "auto";
  // The softmax's draw order "auto": a fit per order the data allows, the validation split chooses.
  const variants: FitParams[] = params.algorithm === "sequential_softmax"
    ? drawOrders(train, params.softmax.order).map((order) => ({ ...params, softmax: { ...params.softmax, order } }))
    : [params];
  const validation = blendOn || variants.length > 1 ? validationSplit(train, spec.seed) : undefined;
  const fitShare = (spec.evaluate ? 0.85 : 0.95) - (blendOn ? 0.05 : 0);
  let chosen: { fit: ReturnType<typeof fitModel>; blend?: BlendChoice; score: number } | undefined;
  variants.forEach((variant, n) => {
    const fit = fitModel(validation ? validation.train : train, variant, {
      onProgress: (p) => onProgress({ ...p, fraction: ((n + p.fraction) / variants.length) * fitShare }),
      ...(signal ? { signal } : {}),
      ...(executors ? { executors } : {}),
      ...(split ? { liveTest: split.test } : {}),
      evalK: spec.evalK,
    });
    const blend = validation ? chooseBlend(new Recommender(fit.model), validation.test, spec.evalK, signal ? { signal } : {}) : undefined;
    const score = blend ? (blendOn ? blend.validation.chosen : blend.validation.model) : 0;
    if (variants.length > 1 && variant.algorithm === "sequential_softmax") {
      onProgress({ fraction: ((n + 1) / variants.length) * fitShare, message: `draw order ${variant.softmax.order}: validation ndcg@${spec.evalK} ${score.toFixed(4)}`, metrics: { validationNdcg: score }, milestone: true });
    }
    if (!chosen || score > chosen.score) chosen = { fit, score, ...(blend ? { blend } : {}) };
  });
  const fit = chosen!.fit;
  let model = fit.model;
  const blend = blendOn ? chosen!.blend : undefined;
  if (validation) {
    if (blend) onProgress({ fraction: fitShare + 0.05, message: `popularity blend on validation: ${blend.servedAs}`, metrics: { blendWeight: blend.weight, validationNdcg: blend.validation.chosen } });
    model = withBlend(serveOn(model, train, { ...(signal ? { signal } : {}), ...(executors ? { executors } : {}) }), blend?.beta ?? 0);
    if (blend) model.info.blend = { weight: blend.weight, beta: blend.beta, servedAs: blend.servedAs, ...prefixed("validation_", blend.validation) };
  }
  const warnings: string[] = [];
  let evaluation: Evaluation | undefined;
  if (split) {
    const from = fitShare + (blendOn ? 0.05 : 0);
    evaluation = evaluateRecommender(new Recommender(model), split.test, spec.evalK, {
      signal, onProgress: (f) => onProgress({ fraction: from + f * (1 - from), message: "evaluating on the holdout", metrics: {} }), ...(manyTopK ? { manyTopK } : {}),
    });
    model.info.metrics = evaluation.metrics;
    model.info.baselineMetrics = evaluation.baseline;
    const key = `ndcg@${spec.evalK}`;
    if (evaluation.users === 0) {
      warnings.push("the holdout holds no user (too few interactions per user to hold any out): the metrics are zero and say nothing about the model; evaluate on more data");
    } else if (evaluation.users < MIN_MEANINGFUL_HOLDOUT_USERS) {
      warnings.push(`the holdout holds only ${evaluation.users} user${evaluation.users === 1 ? "" : "s"}: the metrics are too noisy to compare models or popularity by`);
    }
    if (params.algorithm !== "popularity" && evaluation.metrics[key] < evaluation.baseline[key]) {
      warnings.push(`the model ranks below popularity on its holdout (${key} ${evaluation.metrics[key].toFixed(4)} vs ${evaluation.baseline[key].toFixed(4)}): consider TuneModel or the popularity algorithm`);
    }
  }
  model.info.warnings = warnings;
  model.info.trainSeconds = (performance.now() - started) / 1000;
  return { model, losses: fit.losses, warnings, ...(evaluation && split ? { evaluation, holdout: split } : {}), ...(blend ? { blend } : {}) };
}

/** The interaction strengths item-kNN's similarities are computed on. */
function knnWeights(train: Dataset, p: KnnParams): Dataset {
  if (!(p.bm25K1 > 0 && p.bm25B >= 0 && p.bm25B <= 1)) throw new InvalidParamsError("kNN needs bm25_k1 > 0 and 0 ≤ bm25_b ≤ 1");
  switch (p.weighting) {
    case "none":
      return train;
    case "log":
      return scaleWeights(train, "log", 1);
    case "bm25":
      return bm25Weights(train, train.userIds.length, train.itemIds.length, p.bm25K1, p.bm25B);
    case "log-bm25":
      return bm25Weights(scaleWeights(train, "log", 1), train.userIds.length, train.itemIds.length, p.bm25K1, p.bm25B);
    default:
      throw new InvalidParamsError(`unknown kNN weighting ${JSON.stringify(p.weighting)}`);
  }
}

function prefixed(prefix: string, o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [prefix + k, v]));
}

/** Drops undefined and zero values ("0 means default" in the API). */
function definedOnly<T extends object>(o: Partial<T> | undefined): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (v !== undefined && v !== 0 && v !== "") (out as Record<string, unknown>)[k] = v;
  return out;
}
