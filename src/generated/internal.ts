import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Any as _google_protobuf_Any, Any__Output as _google_protobuf_Any__Output } from './google/protobuf/Any.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { Status as _google_rpc_Status, Status__Output as _google_rpc_Status__Output } from './google/rpc/Status.js';
import type { AlsParams as _recflow_v1_AlsParams, AlsParams__Output as _recflow_v1_AlsParams__Output } from './recflow/v1/AlsParams.js';
import type { BatchSubmitTaskResult as _recflow_v1_BatchSubmitTaskResult, BatchSubmitTaskResult__Output as _recflow_v1_BatchSubmitTaskResult__Output } from './recflow/v1/BatchSubmitTaskResult.js';
import type { BatchSubmitTasksRequest as _recflow_v1_BatchSubmitTasksRequest, BatchSubmitTasksRequest__Output as _recflow_v1_BatchSubmitTasksRequest__Output } from './recflow/v1/BatchSubmitTasksRequest.js';
import type { BatchSubmitTasksResponse as _recflow_v1_BatchSubmitTasksResponse, BatchSubmitTasksResponse__Output as _recflow_v1_BatchSubmitTasksResponse__Output } from './recflow/v1/BatchSubmitTasksResponse.js';
import type { CancelTaskRequest as _recflow_v1_CancelTaskRequest, CancelTaskRequest__Output as _recflow_v1_CancelTaskRequest__Output } from './recflow/v1/CancelTaskRequest.js';
import type { Cancelled as _recflow_v1_Cancelled, Cancelled__Output as _recflow_v1_Cancelled__Output } from './recflow/v1/Cancelled.js';
import type { DeadLetter as _recflow_v1_DeadLetter, DeadLetter__Output as _recflow_v1_DeadLetter__Output } from './recflow/v1/DeadLetter.js';
import type { Evaluate as _recflow_v1_Evaluate, Evaluate__Output as _recflow_v1_Evaluate__Output } from './recflow/v1/Evaluate.js';
import type { EvaluateResult as _recflow_v1_EvaluateResult, EvaluateResult__Output as _recflow_v1_EvaluateResult__Output } from './recflow/v1/EvaluateResult.js';
import type { Failed as _recflow_v1_Failed, Failed__Output as _recflow_v1_Failed__Output } from './recflow/v1/Failed.js';
import type { GetTaskRequest as _recflow_v1_GetTaskRequest, GetTaskRequest__Output as _recflow_v1_GetTaskRequest__Output } from './recflow/v1/GetTaskRequest.js';
import type { ItemNeighbours as _recflow_v1_ItemNeighbours, ItemNeighbours__Output as _recflow_v1_ItemNeighbours__Output } from './recflow/v1/ItemNeighbours.js';
import type { KnnParams as _recflow_v1_KnnParams, KnnParams__Output as _recflow_v1_KnnParams__Output } from './recflow/v1/KnnParams.js';
import type { ListTasksRequest as _recflow_v1_ListTasksRequest, ListTasksRequest__Output as _recflow_v1_ListTasksRequest__Output } from './recflow/v1/ListTasksRequest.js';
import type { ListTasksResponse as _recflow_v1_ListTasksResponse, ListTasksResponse__Output as _recflow_v1_ListTasksResponse__Output } from './recflow/v1/ListTasksResponse.js';
import type { PartialResult as _recflow_v1_PartialResult, PartialResult__Output as _recflow_v1_PartialResult__Output } from './recflow/v1/PartialResult.js';
import type { PopularityBlend as _recflow_v1_PopularityBlend, PopularityBlend__Output as _recflow_v1_PopularityBlend__Output } from './recflow/v1/PopularityBlend.js';
import type { Probe as _recflow_v1_Probe, Probe__Output as _recflow_v1_Probe__Output } from './recflow/v1/Probe.js';
import type { ProbeResult as _recflow_v1_ProbeResult, ProbeResult__Output as _recflow_v1_ProbeResult__Output } from './recflow/v1/ProbeResult.js';
import type { Progress as _recflow_v1_Progress, Progress__Output as _recflow_v1_Progress__Output } from './recflow/v1/Progress.js';
import type { Promotion as _recflow_v1_Promotion, Promotion__Output as _recflow_v1_Promotion__Output } from './recflow/v1/Promotion.js';
import type { Queued as _recflow_v1_Queued, Queued__Output as _recflow_v1_Queued__Output } from './recflow/v1/Queued.js';
import type { Range as _recflow_v1_Range, Range__Output as _recflow_v1_Range__Output } from './recflow/v1/Range.js';
import type { Recommend as _recflow_v1_Recommend, Recommend__Output as _recflow_v1_Recommend__Output } from './recflow/v1/Recommend.js';
import type { RecommendResult as _recflow_v1_RecommendResult, RecommendResult__Output as _recflow_v1_RecommendResult__Output } from './recflow/v1/RecommendResult.js';
import type { Retrying as _recflow_v1_Retrying, Retrying__Output as _recflow_v1_Retrying__Output } from './recflow/v1/Retrying.js';
import type { ScoredItem as _recflow_v1_ScoredItem, ScoredItem__Output as _recflow_v1_ScoredItem__Output } from './recflow/v1/ScoredItem.js';
import type { SearchSpace as _recflow_v1_SearchSpace, SearchSpace__Output as _recflow_v1_SearchSpace__Output } from './recflow/v1/SearchSpace.js';
import type { SimilarItems as _recflow_v1_SimilarItems, SimilarItems__Output as _recflow_v1_SimilarItems__Output } from './recflow/v1/SimilarItems.js';
import type { SimilarItemsResult as _recflow_v1_SimilarItemsResult, SimilarItemsResult__Output as _recflow_v1_SimilarItemsResult__Output } from './recflow/v1/SimilarItemsResult.js';
import type { SoftmaxParams as _recflow_v1_SoftmaxParams, SoftmaxParams__Output as _recflow_v1_SoftmaxParams__Output } from './recflow/v1/SoftmaxParams.js';
import type { Started as _recflow_v1_Started, Started__Output as _recflow_v1_Started__Output } from './recflow/v1/Started.js';
import type { SubmitTaskRequest as _recflow_v1_SubmitTaskRequest, SubmitTaskRequest__Output as _recflow_v1_SubmitTaskRequest__Output } from './recflow/v1/SubmitTaskRequest.js';
import type { Succeeded as _recflow_v1_Succeeded, Succeeded__Output as _recflow_v1_Succeeded__Output } from './recflow/v1/Succeeded.js';
import type { Task as _recflow_v1_Task, Task__Output as _recflow_v1_Task__Output } from './recflow/v1/Task.js';
import type { TaskError as _recflow_v1_TaskError, TaskError__Output as _recflow_v1_TaskError__Output } from './recflow/v1/TaskError.js';
import type { TaskEvent as _recflow_v1_TaskEvent, TaskEvent__Output as _recflow_v1_TaskEvent__Output } from './recflow/v1/TaskEvent.js';
import type { TaskMessage as _recflow_v1_TaskMessage, TaskMessage__Output as _recflow_v1_TaskMessage__Output } from './recflow/v1/TaskMessage.js';
import type { TaskResult as _recflow_v1_TaskResult, TaskResult__Output as _recflow_v1_TaskResult__Output } from './recflow/v1/TaskResult.js';
import type { TaskSpec as _recflow_v1_TaskSpec, TaskSpec__Output as _recflow_v1_TaskSpec__Output } from './recflow/v1/TaskSpec.js';
import type { TaskStatus as _recflow_v1_TaskStatus, TaskStatus__Output as _recflow_v1_TaskStatus__Output } from './recflow/v1/TaskStatus.js';
import type { TasksServiceClient as _recflow_v1_TasksServiceClient, TasksServiceDefinition as _recflow_v1_TasksServiceDefinition } from './recflow/v1/TasksService.js';
import type { TrainModel as _recflow_v1_TrainModel, TrainModel__Output as _recflow_v1_TrainModel__Output } from './recflow/v1/TrainModel.js';
import type { TrainModelResult as _recflow_v1_TrainModelResult, TrainModelResult__Output as _recflow_v1_TrainModelResult__Output } from './recflow/v1/TrainModelResult.js';
import type { TuneModel as _recflow_v1_TuneModel, TuneModel__Output as _recflow_v1_TuneModel__Output } from './recflow/v1/TuneModel.js';
import type { TuneModelResult as _recflow_v1_TuneModelResult, TuneModelResult__Output as _recflow_v1_TuneModelResult__Output } from './recflow/v1/TuneModelResult.js';
import type { TuneTrial as _recflow_v1_TuneTrial, TuneTrial__Output as _recflow_v1_TuneTrial__Output } from './recflow/v1/TuneTrial.js';
import type { UserRecommendations as _recflow_v1_UserRecommendations, UserRecommendations__Output as _recflow_v1_UserRecommendations__Output } from './recflow/v1/UserRecommendations.js';
import type { WatchTaskRequest as _recflow_v1_WatchTaskRequest, WatchTaskRequest__Output as _recflow_v1_WatchTaskRequest__Output } from './recflow/v1/WatchTaskRequest.js';
import type { WatchTasksRequest as _recflow_v1_WatchTasksRequest, WatchTasksRequest__Output as _recflow_v1_WatchTasksRequest__Output } from './recflow/v1/WatchTasksRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Any: MessageTypeDefinition<_google_protobuf_Any, _google_protobuf_Any__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
    rpc: {
      Status: MessageTypeDefinition<_google_rpc_Status, _google_rpc_Status__Output>
    }
  }
  recflow: {
    v1: {
      Algorithm: EnumTypeDefinition
      AlsParams: MessageTypeDefinition<_recflow_v1_AlsParams, _recflow_v1_AlsParams__Output>
      BatchSubmitTaskResult: MessageTypeDefinition<_recflow_v1_BatchSubmitTaskResult, _recflow_v1_BatchSubmitTaskResult__Output>
      BatchSubmitTasksRequest: MessageTypeDefinition<_recflow_v1_BatchSubmitTasksRequest, _recflow_v1_BatchSubmitTasksRequest__Output>
      BatchSubmitTasksResponse: MessageTypeDefinition<_recflow_v1_BatchSubmitTasksResponse, _recflow_v1_BatchSubmitTasksResponse__Output>
      CancelTaskRequest: MessageTypeDefinition<_recflow_v1_CancelTaskRequest, _recflow_v1_CancelTaskRequest__Output>
      Cancelled: MessageTypeDefinition<_recflow_v1_Cancelled, _recflow_v1_Cancelled__Output>
      ConfidenceScaling: EnumTypeDefinition
      DeadLetter: MessageTypeDefinition<_recflow_v1_DeadLetter, _recflow_v1_DeadLetter__Output>
      Evaluate: MessageTypeDefinition<_recflow_v1_Evaluate, _recflow_v1_Evaluate__Output>
      EvaluateResult: MessageTypeDefinition<_recflow_v1_EvaluateResult, _recflow_v1_EvaluateResult__Output>
      Failed: MessageTypeDefinition<_recflow_v1_Failed, _recflow_v1_Failed__Output>
      GetTaskRequest: MessageTypeDefinition<_recflow_v1_GetTaskRequest, _recflow_v1_GetTaskRequest__Output>
      ItemNeighbours: MessageTypeDefinition<_recflow_v1_ItemNeighbours, _recflow_v1_ItemNeighbours__Output>
      KnnParams: MessageTypeDefinition<_recflow_v1_KnnParams, _recflow_v1_KnnParams__Output>
      KnnWeighting: EnumTypeDefinition
      ListTasksRequest: MessageTypeDefinition<_recflow_v1_ListTasksRequest, _recflow_v1_ListTasksRequest__Output>
      ListTasksResponse: MessageTypeDefinition<_recflow_v1_ListTasksResponse, _recflow_v1_ListTasksResponse__Output>
      PartialResult: MessageTypeDefinition<_recflow_v1_PartialResult, _recflow_v1_PartialResult__Output>
      PopularityBlend: MessageTypeDefinition<_recflow_v1_PopularityBlend, _recflow_v1_PopularityBlend__Output>
      Probe: MessageTypeDefinition<_recflow_v1_Probe, _recflow_v1_Probe__Output>
      ProbeResult: MessageTypeDefinition<_recflow_v1_ProbeResult, _recflow_v1_ProbeResult__Output>
      Progress: MessageTypeDefinition<_recflow_v1_Progress, _recflow_v1_Progress__Output>
      Promotion: MessageTypeDefinition<_recflow_v1_Promotion, _recflow_v1_Promotion__Output>
      Queued: MessageTypeDefinition<_recflow_v1_Queued, _recflow_v1_Queued__Output>
      Range: MessageTypeDefinition<_recflow_v1_Range, _recflow_v1_Range__Output>
      Recommend: MessageTypeDefinition<_recflow_v1_Recommend, _recflow_v1_Recommend__Output>
      RecommendResult: MessageTypeDefinition<_recflow_v1_RecommendResult, _recflow_v1_RecommendResult__Output>
      Retrying: MessageTypeDefinition<_recflow_v1_Retrying, _recflow_v1_Retrying__Output>
      ScoredItem: MessageTypeDefinition<_recflow_v1_ScoredItem, _recflow_v1_ScoredItem__Output>
      SearchSpace: MessageTypeDefinition<_recflow_v1_SearchSpace, _recflow_v1_SearchSpace__Output>
      SimilarItems: MessageTypeDefinition<_recflow_v1_SimilarItems, _recflow_v1_SimilarItems__Output>
      SimilarItemsResult: MessageTypeDefinition<_recflow_v1_SimilarItemsResult, _recflow_v1_SimilarItemsResult__Output>
      SoftmaxOrder: EnumTypeDefinition
      SoftmaxParams: MessageTypeDefinition<_recflow_v1_SoftmaxParams, _recflow_v1_SoftmaxParams__Output>
      Started: MessageTypeDefinition<_recflow_v1_Started, _recflow_v1_Started__Output>
      SubmitTaskRequest: MessageTypeDefinition<_recflow_v1_SubmitTaskRequest, _recflow_v1_SubmitTaskRequest__Output>
      Succeeded: MessageTypeDefinition<_recflow_v1_Succeeded, _recflow_v1_Succeeded__Output>
      Task: MessageTypeDefinition<_recflow_v1_Task, _recflow_v1_Task__Output>
      TaskError: MessageTypeDefinition<_recflow_v1_TaskError, _recflow_v1_TaskError__Output>
      TaskEvent: MessageTypeDefinition<_recflow_v1_TaskEvent, _recflow_v1_TaskEvent__Output>
      TaskKind: EnumTypeDefinition
      TaskMessage: MessageTypeDefinition<_recflow_v1_TaskMessage, _recflow_v1_TaskMessage__Output>
      TaskResult: MessageTypeDefinition<_recflow_v1_TaskResult, _recflow_v1_TaskResult__Output>
      TaskSpec: MessageTypeDefinition<_recflow_v1_TaskSpec, _recflow_v1_TaskSpec__Output>
      TaskState: EnumTypeDefinition
      TaskStatus: MessageTypeDefinition<_recflow_v1_TaskStatus, _recflow_v1_TaskStatus__Output>
      TasksService: SubtypeConstructor<typeof grpc.Client, _recflow_v1_TasksServiceClient> & { service: _recflow_v1_TasksServiceDefinition }
      TrainModel: MessageTypeDefinition<_recflow_v1_TrainModel, _recflow_v1_TrainModel__Output>
      TrainModelResult: MessageTypeDefinition<_recflow_v1_TrainModelResult, _recflow_v1_TrainModelResult__Output>
      TuneModel: MessageTypeDefinition<_recflow_v1_TuneModel, _recflow_v1_TuneModel__Output>
      TuneModelResult: MessageTypeDefinition<_recflow_v1_TuneModelResult, _recflow_v1_TuneModelResult__Output>
      TuneTrial: MessageTypeDefinition<_recflow_v1_TuneTrial, _recflow_v1_TuneTrial__Output>
      UserRecommendations: MessageTypeDefinition<_recflow_v1_UserRecommendations, _recflow_v1_UserRecommendations__Output>
      WatchTaskRequest: MessageTypeDefinition<_recflow_v1_WatchTaskRequest, _recflow_v1_WatchTaskRequest__Output>
      WatchTasksRequest: MessageTypeDefinition<_recflow_v1_WatchTasksRequest, _recflow_v1_WatchTasksRequest__Output>
    }
  }
}

