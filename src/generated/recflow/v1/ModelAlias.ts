// Original file: proto/recflow/v1/models.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { ModelAliasChange as _recflow_v1_ModelAliasChange, ModelAliasChange__Output as _recflow_v1_ModelAliasChange__Output } from '../../recflow/v1/ModelAliasChange.js';
import type { Long } from '@grpc/proto-loader';

export interface ModelAlias {
  'name'?: (string);
  'modelId'?: (string);
  'revision'?: (number | string | Long);
  'updateTime'?: (_google_protobuf_Timestamp | null);
  'history'?: (_recflow_v1_ModelAliasChange)[];
}

export interface ModelAlias__Output {
  'name': (string);
  'modelId': (string);
  'revision': (number);
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  'history': (_recflow_v1_ModelAliasChange__Output)[];
}
