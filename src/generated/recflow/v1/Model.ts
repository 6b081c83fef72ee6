// Original file: proto/recflow/v1/models.proto

import type { Algorithm as _recflow_v1_Algorithm, Algorithm__Output as _recflow_v1_Algorithm__Output } from '../../recflow/v1/Algorithm.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface Model {
  'id'?: (string);
  'algorithm'?: (_recflow_v1_Algorithm);
  'datasetId'?: (string);
  'taskId'?: (string);
  'users'?: (number);
  'items'?: (number);
  'factors'?: (number);
  'iterations'?: (number);
  'finalLoss'?: (number | string);
  'metrics'?: ({[key: string]: number | string});
  'baselineMetrics'?: ({[key: string]: number | string});
  'sizeBytes'?: (number | string | Long);
  'formatVersion'?: (number);
  'createTime'?: (_google_protobuf_Timestamp | null);
  'trainSeconds'?: (number | string);
}

export interface Model__Output {
  'id': (string);
  'algorithm': (_recflow_v1_Algorithm__Output);
  'datasetId': (string);
  'taskId': (string);
  'users': (number);
  'items': (number);
  'factors': (number);
  'iterations': (number);
  'finalLoss': (number);
  'metrics': ({[key: string]: number});
  'baselineMetrics': ({[key: string]: number});
  'sizeBytes': (number);
  'formatVersion': (number);
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'trainSeconds': (number);
}
