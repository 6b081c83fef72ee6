// Original file: proto/recflow/v1/tasks.proto

import type { TrainModel as _recflow_v1_TrainModel, TrainModel__Output as _recflow_v1_TrainModel__Output } from '../../recflow/v1/TrainModel.js';
import type { Recommend as _recflow_v1_Recommend, Recommend__Output as _recflow_v1_Recommend__Output } from '../../recflow/v1/Recommend.js';
import type { SimilarItems as _recflow_v1_SimilarItems, SimilarItems__Output as _recflow_v1_SimilarItems__Output } from '../../recflow/v1/SimilarItems.js';
import type { Evaluate as _recflow_v1_Evaluate, Evaluate__Output as _recflow_v1_Evaluate__Output } from '../../recflow/v1/Evaluate.js';
import type { Probe as _recflow_v1_Probe, Probe__Output as _recflow_v1_Probe__Output } from '../../recflow/v1/Probe.js';
import type { TuneModel as _recflow_v1_TuneModel, TuneModel__Output as _recflow_v1_TuneModel__Output } from '../../recflow/v1/TuneModel.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface TaskSpec {
  'trainModel'?: (_recflow_v1_TrainModel | null);
  'recommend'?: (_recflow_v1_Recommend | null);
  'similarItems'?: (_recflow_v1_SimilarItems | null);
  'evaluate'?: (_recflow_v1_Evaluate | null);
  'probe'?: (_recflow_v1_Probe | null);
  'tuneModel'?: (_recflow_v1_TuneModel | null);
  'maxRetries'?: (number);
  'deadline'?: (_google_protobuf_Timestamp | null);
  'priority'?: (number);
  'labels'?: ({[key: string]: string});
  'kind'?: "trainModel"|"recommend"|"similarItems"|"evaluate"|"probe"|"tuneModel";
  '_maxRetries'?: "maxRetries";
}

export interface TaskSpec__Output {
  'trainModel'?: (_recflow_v1_TrainModel__Output | null);
  'recommend'?: (_recflow_v1_Recommend__Output | null);
  'similarItems'?: (_recflow_v1_SimilarItems__Output | null);
  'evaluate'?: (_recflow_v1_Evaluate__Output | null);
  'probe'?: (_recflow_v1_Probe__Output | null);
  'tuneModel'?: (_recflow_v1_TuneModel__Output | null);
  'maxRetries'?: (number);
  'deadline': (_google_protobuf_Timestamp__Output | null);
  'priority': (number);
  'labels': ({[key: string]: string});
  'kind'?: "trainModel"|"recommend"|"similarItems"|"evaluate"|"probe"|"tuneModel";
  '_maxRetries'?: "maxRetries";
}
