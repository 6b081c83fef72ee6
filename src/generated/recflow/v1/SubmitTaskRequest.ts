// Original file: proto/recflow/v1/tasks.proto

import type { TaskSpec as _recflow_v1_TaskSpec, TaskSpec__Output as _recflow_v1_TaskSpec__Output } from '../../recflow/v1/TaskSpec.js';

export interface SubmitTaskRequest {
  'requestId'?: (string);
  'task'?: (_recflow_v1_TaskSpec | null);
}

export interface SubmitTaskRequest__Output {
  'requestId': (string);
  'task': (_recflow_v1_TaskSpec__Output | null);
}
