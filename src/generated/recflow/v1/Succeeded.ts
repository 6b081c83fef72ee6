// Original file: proto/recflow/v1/tasks.proto

import type { TaskResult as _recflow_v1_TaskResult, TaskResult__Output as _recflow_v1_TaskResult__Output } from '../../recflow/v1/TaskResult.js';

export interface Succeeded {
  'result'?: (_recflow_v1_TaskResult | null);
}

export interface Succeeded__Output {
  'result': (_recflow_v1_TaskResult__Output | null);
}
