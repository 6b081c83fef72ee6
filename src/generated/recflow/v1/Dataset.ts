// Original file: proto/recflow/v1/datasets.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface Dataset {
  'id'?: (string);
  'displayName'?: (string);
  'users'?: (number);
  'items'?: (number);
  'interactions'?: (number | string | Long);
  'rows'?: (number | string | Long);
  'density'?: (number | string);
  'hasTimestamps'?: (boolean);
  'rawBytes'?: (number | string | Long);
  'compiledBytes'?: (number | string | Long);
  'createTime'?: (_google_protobuf_Timestamp | null);
  'labels'?: ({[key: string]: string});
  'countsEstimated'?: (boolean);
}

export interface Dataset__Output {
  'id': (string);
  'displayName': (string);
  'users': (number);
  'items': (number);
  'interactions': (number);
  'rows': (number);
  'density': (number);
  'hasTimestamps': (boolean);
  'rawBytes': (number);
  'compiledBytes': (number);
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'labels': ({[key: string]: string});
  'countsEstimated': (boolean);
}
