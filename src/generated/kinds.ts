import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AlsParams as _recflow_v1_AlsParams, AlsParams__Output as _recflow_v1_AlsParams__Output } from './recflow/v1/AlsParams.js';
import type { Evaluate as _recflow_v1_Evaluate, Evaluate__Output as _recflow_v1_Evaluate__Output } from './recflow/v1/Evaluate.js';
import type { EvaluateResult as _recflow_v1_EvaluateResult, EvaluateResult__Output as _recflow_v1_EvaluateResult__Output } from './recflow/v1/EvaluateResult.js';
import type { ItemNeighbours as _recflow_v1_ItemNeighbours, ItemNeighbours__Output as _recflow_v1_ItemNeighbours__Output } from './recflow/v1/ItemNeighbours.js';
import type { KnnParams as _recflow_v1_KnnParams, KnnParams__Output as _recflow_v1_KnnParams__Output } from './recflow/v1/KnnParams.js';
import type { PartialResult as _recflow_v1_PartialResult, PartialResult__Output as _recflow_v1_PartialResult__Output } from './recflow/v1/PartialResult.js';
import type { PopularityBlend as _recflow_v1_PopularityBlend, PopularityBlend__Output as _recflow_v1_PopularityBlend__Output } from './recflow/v1/PopularityBlend.js';
import type { Probe as _recflow_v1_Probe, Probe__Output as _recflow_v1_Probe__Output } from './recflow/v1/Probe.js';
import type { ProbeResult as _recflow_v1_ProbeResult, ProbeResult__Output as _recflow_v1_ProbeResult__Output } from './recflow/v1/ProbeResult.js';
import type { Promotion as _recflow_v1_Promotion, Promotion__Output as _recflow_v1_Promotion__Output } from './recflow/v1/Promotion.js';
import type { Range as _recflow_v1_Range, Range__Output as _recflow_v1_Range__Output } from './recflow/v1/Range.js';
import type { Recommend as _recflow_v1_Recommend, Recommend__Output as _recflow_v1_Recommend__Output } from './recflow/v1/Recommend.js';
import type { RecommendResult as _recflow_v1_RecommendResult, RecommendResult__Output as _recflow_v1_RecommendResult__Output } from './recflow/v1/RecommendResult.js';
import type { ScoredItem as _recflow_v1_ScoredItem, ScoredItem__Output as _recflow_v1_ScoredItem__Output } from './recflow/v1/ScoredItem.js';
import type { SearchSpace as _recflow_v1_SearchSpace, SearchSpace__Output as _recflow_v1_SearchSpace__Output } from './recflow/v1/SearchSpace.js';
import type { SimilarItems as _recflow_v1_SimilarItems, SimilarItems__Output as _recflow_v1_SimilarItems__Output } from './recflow/v1/SimilarItems.js';
import type { SimilarItemsResult as _recflow_v1_SimilarItemsResult, SimilarItemsResult__Output as _recflow_v1_SimilarItemsResult__Output } from './recflow/v1/SimilarItemsResult.js';
import type { SoftmaxParams as _recflow_v1_SoftmaxParams, SoftmaxParams__Output as _recflow_v1_SoftmaxParams__Output } from './recflow/v1/SoftmaxParams.js';
import type { TaskResult as _recflow_v1_TaskResult, TaskResult__Output as _recflow_v1_TaskResult__Output } from './recflow/v1/TaskResult.js';
import type { TrainModel as _recflow_v1_TrainModel, TrainModel__Output as _recflow_v1_TrainModel__Output } from './recflow/v1/TrainModel.js';
import type { TrainModelResult as _recflow_v1_TrainModelResult, TrainModelResult__Output as _recflow_v1_TrainModelResult__Output } from './recflow/v1/TrainModelResult.js';
import type { TuneModel as _recflow_v1_TuneModel, TuneModel__Output as _recflow_v1_TuneModel__Output } from './recflow/v1/TuneModel.js';
import type { TuneModelResult as _recflow_v1_TuneModelResult, TuneModelResult__Output as _recflow_v1_TuneModelResult__Output } from './recflow/v1/TuneModelResult.js';
import type { TuneTrial as _recflow_v1_TuneTrial, TuneTrial__Output as _recflow_v1_TuneTrial__Output } from './recflow/v1/TuneTrial.js';
import type { UserRecommendations as _recflow_v1_UserRecommendations, UserRecommendations__Output as _recflow_v1_UserRecommendations__Output } from './recflow/v1/UserRecommendations.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  recflow: {
    v1: {
      Algorithm: EnumTypeDefinition
      AlsParams: MessageTypeDefinition<_recflow_v1_AlsParams, _recflow_v1_AlsParams__Output>
      ConfidenceScaling: EnumTypeDefinition
      Evaluate: MessageTypeDefinition<_recflow_v1_Evaluate, _recflow_v1_Evaluate__Output>
      EvaluateResult: MessageTypeDefinition<_recflow_v1_EvaluateResult, _recflow_v1_EvaluateResult__Output>
      ItemNeighbours: MessageTypeDefinition<_recflow_v1_ItemNeighbours, _recflow_v1_ItemNeighbours__Output>
      KnnParams: MessageTypeDefinition<_recflow_v1_KnnParams, _recflow_v1_KnnParams__Output>
      KnnWeighting: EnumTypeDefinition
      PartialResult: MessageTypeDefinition<_recflow_v1_PartialResult, _recflow_v1_PartialResult__Output>
      PopularityBlend: MessageTypeDefinition<_recflow_v1_PopularityBlend, _recflow_v1_PopularityBlend__Output>
      Probe: MessageTypeDefinition<_recflow_v1_Probe, _recflow_v1_Probe__Output>
      ProbeResult: MessageTypeDefinition<_recflow_v1_ProbeResult, _recflow_v1_ProbeResult__Output>
      Promotion: MessageTypeDefinition<_recflow_v1_Promotion, _recflow_v1_Promotion__Output>
      Range: MessageTypeDefinition<_recflow_v1_Range, _recflow_v1_Range__Output>
      Recommend: MessageTypeDefinition<_recflow_v1_Recommend, _recflow_v1_Recommend__Output>
      RecommendResult: MessageTypeDefinition<_recflow_v1_RecommendResult, _recflow_v1_RecommendResult__Output>
      ScoredItem: MessageTypeDefinition<_recflow_v1_ScoredItem, _recflow_v1_ScoredItem__Output>
      SearchSpace: MessageTypeDefinition<_recflow_v1_SearchSpace, _recflow_v1_SearchSpace__Output>
      SimilarItems: MessageTypeDefinition<_recflow_v1_SimilarItems, _recflow_v1_SimilarItems__Output>
      SimilarItemsResult: MessageTypeDefinition<_recflow_v1_SimilarItemsResult, _recflow_v1_SimilarItemsResult__Output>
      SoftmaxOrder: EnumTypeDefinition
      SoftmaxParams: MessageTypeDefinition<_recflow_v1_SoftmaxParams, _recflow_v1_SoftmaxParams__Output>
      TaskResult: MessageTypeDefinition<_recflow_v1_TaskResult, _recflow_v1_TaskResult__Output>
      TrainModel: MessageTypeDefinition<_recflow_v1_TrainModel, _recflow_v1_TrainModel__Output>
      TrainModelResult: MessageTypeDefinition<_recflow_v1_TrainModelResult, _recflow_v1_TrainModelResult__Output>
      TuneModel: MessageTypeDefinition<_recflow_v1_TuneModel, _recflow_v1_TuneModel__Output>
      TuneModelResult: MessageTypeDefinition<_recflow_v1_TuneModelResult, _recflow_v1_TuneModelResult__Output>
      TuneTrial: MessageTypeDefinition<_recflow_v1_TuneTrial, _recflow_v1_TuneTrial__Output>
      UserRecommendations: MessageTypeDefinition<_recflow_v1_UserRecommendations, _recflow_v1_UserRecommendations__Output>
    }
  }
}

