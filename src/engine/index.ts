// The recommendation engine: pure computation on typed arrays, no I/O.
export { CsvParser, type CsvParserOptions, type ParsedRow } from "./csv-parser.js";
export { DatasetBuilder, datasetStats, transpose, MAX_WEIGHT, type Dataset, type DatasetStats } from "./dataset.js";
export { DistinctCounter } from "./distinct-counter.js";
export { encodeDataset, decodeDataset, DATASET_FORMAT_VERSION } from "./dataset-codec.js";
export {
  AbortedError, CorruptDataError, DatasetFormatError, DatasetLimitError, InvalidParamsError, NumericOverflowError, UnsupportedVersionError,
  throwIfAborted, type AbortFlag,
} from "./errors.js";
export { mulberry32, gaussian, type Rng } from "./random.js";
export {
  trainAls, alsLoss, solveRange, observedLossRange, balancedSplit, gram, gramRange, gramSplit, finishGram, cgScratch, serialAls, DEFAULT_ALS,
  type AlsExecutor, type AlsKernelChoice, type AlsParams, type AlsProblem, type AlsProgress, type Csr, type ObservedLoss, type TrainAlsOptions,
} from "./als.js";
export { simdKernelAvailable, simdKernelFits } from "./als-kernel.js";
export { trainItemKnn, DEFAULT_KNN, type KnnParams, type KnnWeighting, type Neighbours } from "./knn.js";
export { itemPopularity } from "./popularity.js";
export { topK, type Scored } from "./top-k.js";
export { BoundedTopK } from "./bounded-top-k.js";
export { BlockedScorer, sortedRuns, unitRows, type BlockedScorerOptions, type ScoringFilter, type ScoringSpace } from "./blocked-scoring.js";
export { simdScoringAvailable } from "./score-tile.js";
export { userMetrics, MetricsAccumulator, type RankingMetrics } from "./metrics.js";
export { holdoutSplit, type Split } from "./split.js";
export { evaluateRecommender, type Evaluation, type ManyTopK } from "./evaluate.js";
export { Recommender, itemMask, isFactorModel, type Algorithm, type Model, type ModelInfo, type RecommendOptions } from "./model.js";
export { encodeModel, decodeModel, MODEL_FORMAT_VERSION } from "./model-codec.js";
export {
  trainModel, fitModel, resolveParams, serveOn, withBlend, drawOrders, DEFAULT_ALS_TRAIN, DEFAULT_SOFTMAX_TRAIN,
  type AlsTrainParams, type BlendMode, type Executors, type FitParams, type SoftmaxTrainParams, type TrainSpec, type TrainProgress, type TrainResult,
} from "./train.js";
export { BANK_SHAPES, bankCase, bankCsvChunks, type BankCase, type BankShape, type BankSize } from "./data-bank.js";
export { bm25Weights, scaleWeights, type ConfidenceScaling } from "./confidence.js";
export { BLEND_GRID, chooseBlend, blendBias, validationSplit, type BlendChoice } from "./popularity-blend.js";
export { DEFAULT_SPACE, SoftmaxCost, candidates, checkSearch, chooseWinner, describe as describeTrial, tune, type Range, type SearchSpace, type Trial, type TuneBudget, type TuneHooks, type TuneResult } from "./tune.js";
export { generateInteractions, syntheticCsvChunks, syntheticDataset, type SyntheticData, type SyntheticOptions } from "./synthetic.js";
export { evaluateOnHoldout } from "./holdout-transfer.js";
export { trainSequentialSoftmax, evaluateBlocks, serialSoftmax, drawOrder, DEFAULT_SOFTMAX, DRAW_ORDERS, type DrawOrder, type SoftmaxExecutor, type SoftmaxFit, type SoftmaxParams, type SoftmaxProblem } from "./sequential-softmax.js";
export { lbfgs, type LbfgsOptions, type LbfgsResult, type Objective } from "./lbfgs.js";
export { newSoftmaxKernel, simdSoftmaxAvailable, type SoftmaxKernel } from "./softmax-kernel.js";
