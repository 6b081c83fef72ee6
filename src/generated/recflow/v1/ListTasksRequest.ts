// Original file: proto/recflow/v1/tasks.proto

import type { TaskState as _recflow_v1_TaskState, TaskState__Output as _recflow_v1_TaskState__Output } from '../../recflow/v1/TaskState.js';
import type { TaskKind as _recflow_v1_TaskKind, TaskKind__Output as _recflow_v1_TaskKind__Output } from '../../recflow/v1/TaskKind.js';

export interface ListTasksRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
  'state'?: (_recflow_v1_TaskState);
  'kind'?: (_recflow_v1_TaskKind);
}

export interface ListTasksRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
  'state': (_recflow_v1_TaskState__Output);
  'kind': (_recflow_v1_TaskKind__Output);
}
