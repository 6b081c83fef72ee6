// Original file: proto/recflow/v1/tasks.proto

import type { TaskError as _recflow_v1_TaskError, TaskError__Output as _recflow_v1_TaskError__Output } from '../../recflow/v1/TaskError.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface Retrying {
  'attempt'?: (number);
  'error'?: (_recflow_v1_TaskError | null);
  'nextAttemptTime'?: (_google_protobuf_Timestamp | null);
}

export interface Retrying__Output {
  'attempt': (number);
  'error': (_recflow_v1_TaskError__Output | null);
  'nextAttemptTime': (_google_protobuf_Timestamp__Output | null);
}
