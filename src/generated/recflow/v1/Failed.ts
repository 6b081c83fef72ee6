// Original file: proto/recflow/v1/tasks.proto

import type { TaskError as _recflow_v1_TaskError, TaskError__Output as _recflow_v1_TaskError__Output } from '../../recflow/v1/TaskError.js';

export interface Failed {
  'error'?: (_recflow_v1_TaskError | null);
}

export interface Failed__Output {
  'error': (_recflow_v1_TaskError__Output | null);
}
