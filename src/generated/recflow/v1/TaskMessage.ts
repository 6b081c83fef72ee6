// Original file: proto/recflow/v1/internal.proto

import type { TaskSpec as _recflow_v1_TaskSpec, TaskSpec__Output as _recflow_v1_TaskSpec__Output } from '../../recflow/v1/TaskSpec.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface TaskMessage {
  'taskId'?: (string);
  'tenant'?: (string);
  'requestId'?: (string);
  'spec'?: (_recflow_v1_TaskSpec | null);
  'createTime'?: (_google_protobuf_Timestamp | null);
}

export interface TaskMessage__Output {
  'taskId': (string);
  'tenant': (string);
  'requestId': (string);
  'spec': (_recflow_v1_TaskSpec__Output | null);
  'createTime': (_google_protobuf_Timestamp__Output | null);
}
