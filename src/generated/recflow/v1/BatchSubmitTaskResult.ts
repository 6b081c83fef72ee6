// Original file: proto/recflow/v1/tasks.proto

import type { Task as _recflow_v1_Task, Task__Output as _recflow_v1_Task__Output } from '../../recflow/v1/Task.js';
import type { Status as _google_rpc_Status, Status__Output as _google_rpc_Status__Output } from '../../google/rpc/Status.js';

export interface BatchSubmitTaskResult {
  'task'?: (_recflow_v1_Task | null);
  'error'?: (_google_rpc_Status | null);
  'result'?: "task"|"error";
}

export interface BatchSubmitTaskResult__Output {
  'task'?: (_recflow_v1_Task__Output | null);
  'error'?: (_google_rpc_Status__Output | null);
  'result'?: "task"|"error";
}
