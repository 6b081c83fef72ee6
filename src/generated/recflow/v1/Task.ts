// Original file: proto/recflow/v1/tasks.proto

import type { TaskSpec as _recflow_v1_TaskSpec, TaskSpec__Output as _recflow_v1_TaskSpec__Output } from '../../recflow/v1/TaskSpec.js';
import type { TaskStatus as _recflow_v1_TaskStatus, TaskStatus__Output as _recflow_v1_TaskStatus__Output } from '../../recflow/v1/TaskStatus.js';
import type { TaskResult as _recflow_v1_TaskResult, TaskResult__Output as _recflow_v1_TaskResult__Output } from '../../recflow/v1/TaskResult.js';
import type { TaskError as _recflow_v1_TaskError, TaskError__Output as _recflow_v1_TaskError__Output } from '../../recflow/v1/TaskError.js';
import type { Long } from '@grpc/proto-loader';

export interface Task {
  'id'?: (string);
  'requestId'?: (string);
  'spec'?: (_recflow_v1_TaskSpec | null);
  'status'?: (_recflow_v1_TaskStatus | null);
  'result'?: (_recflow_v1_TaskResult | null);
  'error'?: (_recflow_v1_TaskError | null);
  'lastSequence'?: (number | string | Long);
}

export interface Task__Output {
  'id': (string);
  'requestId': (string);
  'spec': (_recflow_v1_TaskSpec__Output | null);
  'status': (_recflow_v1_TaskStatus__Output | null);
  'result': (_recflow_v1_TaskResult__Output | null);
  'error': (_recflow_v1_TaskError__Output | null);
  'lastSequence': (number);
}
