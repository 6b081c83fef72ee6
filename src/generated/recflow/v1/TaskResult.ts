// Original file: proto/recflow/v1/kinds.proto

import type { ProbeResult as _recflow_v1_ProbeResult, ProbeResult__Output as _recflow_v1_ProbeResult__Output } from '../../recflow/v1/ProbeResult.js';
import type { TrainModelResult as _recflow_v1_TrainModelResult, TrainModelResult__Output as _recflow_v1_TrainModelResult__Output } from '../../recflow/v1/TrainModelResult.js';
import type { RecommendResult as _recflow_v1_RecommendResult, RecommendResult__Output as _recflow_v1_RecommendResult__Output } from '../../recflow/v1/RecommendResult.js';
import type { SimilarItemsResult as _recflow_v1_SimilarItemsResult, SimilarItemsResult__Output as _recflow_v1_SimilarItemsResult__Output } from '../../recflow/v1/SimilarItemsResult.js';
import type { EvaluateResult as _recflow_v1_EvaluateResult, EvaluateResult__Output as _recflow_v1_EvaluateResult__Output } from '../../recflow/v1/EvaluateResult.js';
import type { TuneModelResult as _recflow_v1_TuneModelResult, TuneModelResult__Output as _recflow_v1_TuneModelResult__Output } from '../../recflow/v1/TuneModelResult.js';

export interface TaskResult {
  'probe'?: (_recflow_v1_ProbeResult | null);
  'trainModel'?: (_recflow_v1_TrainModelResult | null);
  'recommend'?: (_recflow_v1_RecommendResult | null);
  'similarItems'?: (_recflow_v1_SimilarItemsResult | null);
  'evaluate'?: (_recflow_v1_EvaluateResult | null);
  'tuneModel'?: (_recflow_v1_TuneModelResult | null);
  'result'?: "probe"|"trainModel"|"recommend"|"similarItems"|"evaluate"|"tuneModel";
}

export interface TaskResult__Output {
  'probe'?: (_recflow_v1_ProbeResult__Output | null);
  'trainModel'?: (_recflow_v1_TrainModelResult__Output | null);
  'recommend'?: (_recflow_v1_RecommendResult__Output | null);
  'similarItems'?: (_recflow_v1_SimilarItemsResult__Output | null);
  'evaluate'?: (_recflow_v1_EvaluateResult__Output | null);
  'tuneModel'?: (_recflow_v1_TuneModelResult__Output | null);
  'result'?: "probe"|"trainModel"|"recommend"|"similarItems"|"evaluate"|"tuneModel";
}
