// Original file: proto/recflow/v1/internal.proto

import type { TaskMessage as _recflow_v1_TaskMessage, TaskMessage__Output as _recflow_v1_TaskMessage__Output } from '../../recflow/v1/TaskMessage.js';
import type { TaskError as _recflow_v1_TaskError, TaskError__Output as _recflow_v1_TaskError__Output } from '../../recflow/v1/TaskError.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface DeadLetter {
  'task'?: (_recflow_v1_TaskMessage | null);
  'error'?: (_recflow_v1_TaskError | null);
  'deliveries'?: (number);
  'time'?: (_google_protobuf_Timestamp | null);
}

export interface DeadLetter__Output {
  'task': (_recflow_v1_TaskMessage__Output | null);
  'error': (_recflow_v1_TaskError__Output | null);
  'deliveries': (number);
  'time': (_google_protobuf_Timestamp__Output | null);
}
