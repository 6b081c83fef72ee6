// Original file: proto/recflow/v1/tasks.proto

import type { TaskState as _recflow_v1_TaskState, TaskState__Output as _recflow_v1_TaskState__Output } from '../../recflow/v1/TaskState.js';
import type { TaskKind as _recflow_v1_TaskKind, TaskKind__Output as _recflow_v1_TaskKind__Output } from '../../recflow/v1/TaskKind.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface TaskStatus {
  'state'?: (_recflow_v1_TaskState);
  'kind'?: (_recflow_v1_TaskKind);
  'attempt'?: (number);
  'progress'?: (number | string);
  'message'?: (string);
  'createTime'?: (_google_protobuf_Timestamp | null);
  'startTime'?: (_google_protobuf_Timestamp | null);
  'updateTime'?: (_google_protobuf_Timestamp | null);
  'endTime'?: (_google_protobuf_Timestamp | null);
  'traceId'?: (string);
  'workerId'?: (string);
}

export interface TaskStatus__Output {
  'state': (_recflow_v1_TaskState__Output);
  'kind': (_recflow_v1_TaskKind__Output);
  'attempt': (number);
  'progress': (number);
  'message': (string);
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'startTime': (_google_protobuf_Timestamp__Output | null);
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  'endTime': (_google_protobuf_Timestamp__Output | null);
  'traceId': (string);
  'workerId': (string);
}
