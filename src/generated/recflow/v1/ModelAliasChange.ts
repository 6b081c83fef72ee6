// Original file: proto/recflow/v1/models.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface ModelAliasChange {
  'modelId'?: (string);
  'previousModelId'?: (string);
  'setTime'?: (_google_protobuf_Timestamp | null);
  'taskId'?: (string);
  'metric'?: (string);
  'score'?: (number | string);
  'previousScore'?: (number | string);
}

export interface ModelAliasChange__Output {
  'modelId': (string);
  'previousModelId': (string);
  'setTime': (_google_protobuf_Timestamp__Output | null);
  'taskId': (string);
  'metric': (string);
  'score': (number);
  'previousScore': (number);
}
