// The one place where the wire's parameter messages (AlsParams, KnnParams, SoftmaxParams, SearchSpace,
// PopularityBlend, TuneTrial) meet the engine's types, both ways. "0 / unspecified means the
// default" is resolved by the engine (train.ts), so unset fields are passed as undefined.
import {
  DEFAULT_SPACE, describeTrial, type Algorithm, type AlsTrainParams, type BlendChoice, type ConfidenceScaling, type FitParams, type KnnParams,
  type DrawOrder, type KnnWeighting, type Range, type SearchSpace, type SoftmaxTrainParams, type Trial,
} from "../engine/index.js";
import type { AlsParams, AlsParams__Output } from "../generated/recflow/v1/AlsParams.js";
import type { KnnParams as KnnParamsProto, KnnParams__Output } from "../generated/recflow/v1/KnnParams.js";
import type { SoftmaxParams as SoftmaxParamsProto, SoftmaxParams__Output } from "../generated/recflow/v1/SoftmaxParams.js";
import type { PopularityBlend } from "../generated/recflow/v1/PopularityBlend.js";
import type { Range__Output } from "../generated/recflow/v1/Range.js";
import type { SearchSpace__Output } from "../generated/recflow/v1/SearchSpace.js";
import type { TuneTrial } from "../generated/recflow/v1/TuneTrial.js";
import type { Algorithm__Output } from "../generated/recflow/v1/Algorithm.js";

export const ALGORITHM_NAMES: Partial<Record<Algorithm__Output, Algorithm>> = {
  ALGORITHM_ALS: "als", ALGORITHM_ITEM_KNN: "item_knn", ALGORITHM_POPULARITY: "popularity", ALGORITHM_SEQUENTIAL_SOFTMAX: "sequential_softmax",
};
export const PROTO_ALGORITHM = {
  als: "ALGORITHM_ALS", item_knn: "ALGORITHM_ITEM_KNN", popularity: "ALGORITHM_POPULARITY", sequential_softmax: "ALGORITHM_SEQUENTIAL_SOFTMAX",
} as const satisfies Record<Algorithm, Algorithm__Output>;

const SCALING: Record<string, ConfidenceScaling | undefined> = { CONFIDENCE_SCALING_LOG: "log", CONFIDENCE_SCALING_LINEAR: "linear" };
const SCALING_PROTO = { log: "CONFIDENCE_SCALING_LOG", linear: "CONFIDENCE_SCALING_LINEAR" } as const;
const WEIGHTING: Record<string, KnnWeighting | undefined> = { KNN_WEIGHTING_LOG_BM25: "log-bm25", KNN_WEIGHTING_BM25: "bm25", KNN_WEIGHTING_LOG: "log", KNN_WEIGHTING_NONE: "none" };
const WEIGHTING_PROTO = { "log-bm25": "KNN_WEIGHTING_LOG_BM25", bm25: "KNN_WEIGHTING_BM25", log: "KNN_WEIGHTING_LOG", none: "KNN_WEIGHTING_NONE" } as const;
const SERVED_AS = { model: "SERVED_AS_MODEL", blend: "SERVED_AS_BLEND", popularity: "SERVED_AS_POPULARITY" } as const;

export function alsFromProto(p: AlsParams__Output | null | undefined): Partial<AlsTrainParams> {
  if (!p) return {};
  return { factors: p.factors, iterations: p.iterations, regularization: p.regularization, alpha: p.alpha, cgSteps: p.cgSteps, epsilon: p.epsilon, ...(SCALING[p.scaling] ? { scaling: SCALING[p.scaling] } : {}) };
}

export function knnFromProto(p: KnnParams__Output | null | undefined): Partial<KnnParams> {
  if (!p) return {};
  return { neighbors: p.neighbors, shrinkage: p.shrinkage, bm25K1: p.bm25K1, bm25B: p.bm25B, ...(WEIGHTING[p.weighting] ? { weighting: WEIGHTING[p.weighting] } : {}) };
}

const ORDER: Record<string, DrawOrder | undefined> = { SOFTMAX_ORDER_OLDEST_FIRST: "oldest-first", SOFTMAX_ORDER_NEWEST_FIRST: "newest-first", SOFTMAX_ORDER_NONE: "none" };
const ORDER_PROTO = { "auto": "SOFTMAX_ORDER_UNSPECIFIED", "oldest-first": "SOFTMAX_ORDER_OLDEST_FIRST", "newest-first": "SOFTMAX_ORDER_NEWEST_FIRST", none: "SOFTMAX_ORDER_NONE" } as const;

export function softmaxFromProto(p: SoftmaxParams__Output | null | undefined): Partial<SoftmaxTrainParams> {
  if (!p) return {};
  const order = ORDER[p.order];
  return { factors: p.factors, iterations: p.iterations, userRegularization: p.userRegularization, itemRegularization: p.itemRegularization, ...(order ? { order } : {}) };
}

function softmaxToProto(p: SoftmaxTrainParams): SoftmaxParamsProto {
  return { factors: p.factors, iterations: p.iterations, userRegularization: p.userRegularization, itemRegularization: p.itemRegularization, order: ORDER_PROTO[p.order] };
}

function alsToProto(p: AlsTrainParams): AlsParams {
  return { factors: p.factors, iterations: p.iterations, regularization: p.regularization, alpha: p.alpha, cgSteps: p.cgSteps, scaling: SCALING_PROTO[p.scaling], epsilon: p.epsilon };
}

function knnToProto(p: KnnParams): KnnParamsProto {
  return { neighbors: p.neighbors, shrinkage: p.shrinkage, weighting: WEIGHTING_PROTO[p.weighting], bm25K1: p.bm25K1, bm25B: p.bm25B };
}

export function blendToProto(b: BlendChoice | undefined): PopularityBlend | undefined {
  if (!b) return undefined;
  return {
    servedAs: SERVED_AS[b.servedAs], weight: b.weight, beta: b.beta,
    validationModel: b.validation.model, validationChosen: b.validation.chosen, validationPopularity: b.validation.popularity,
  };
}

export function trialToProto(t: Trial): TuneTrial {
  const p: FitParams = t.params;
  return {
    index: t.index, algorithm: PROTO_ALGORITHM[p.algorithm], validationScore: t.score, seconds: t.seconds, description: describeTrial(p),
    ...(p.algorithm === "als" ? { als: alsToProto(p.als) } : {}),
    ...(p.algorithm === "item_knn" ? { knn: knnToProto(p.knn) } : {}),
    ...(p.algorithm === "sequential_softmax" ? { softmax: softmaxToProto(p.softmax) } : {}),
    ...(t.blend ? { blend: blendToProto(t.blend) } : {}),
  };
}

/** A search space from the wire: unset ranges and empty lists take DEFAULT_SPACE's. */
export function spaceFromProto(sp: SearchSpace__Output | null | undefined): SearchSpace {
  const range = (r: Range__Output | null | undefined, d: Range): Range => (r && !(r.min === 0 && r.max === 0) ? { min: r.min, max: r.max } : d);
  const algorithms = (sp?.algorithms ?? []).map((a) => ALGORITHM_NAMES[a]).filter((a): a is Algorithm => a !== undefined);
  const scaling = (sp?.scaling ?? []).map((s) => SCALING[s]).filter((s): s is ConfidenceScaling => s !== undefined);
  const weighting = (sp?.knnWeighting ?? []).map((w) => WEIGHTING[w]).filter((w): w is KnnWeighting => w !== undefined);
  return {
    algorithms: algorithms.length ? [...new Set(algorithms)] : DEFAULT_SPACE.algorithms,
    factors: range(sp?.factors, DEFAULT_SPACE.factors),
    regularization: range(sp?.regularization, DEFAULT_SPACE.regularization),
    alpha: range(sp?.alpha, DEFAULT_SPACE.alpha),
    iterations: range(sp?.iterations, DEFAULT_SPACE.iterations),
    scaling: scaling.length ? [...new Set(scaling)] : DEFAULT_SPACE.scaling,
    neighbors: range(sp?.neighbors, DEFAULT_SPACE.neighbors),
    knnWeighting: weighting.length ? [...new Set(weighting)] : DEFAULT_SPACE.knnWeighting,
    softmaxRegularization: range(sp?.softmaxRegularization, DEFAULT_SPACE.softmaxRegularization),
    softmaxIterations: range(sp?.softmaxIterations, DEFAULT_SPACE.softmaxIterations),
  };
}
