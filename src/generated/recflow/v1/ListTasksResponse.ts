// Original file: proto/recflow/v1/tasks.proto

import type { Task as _recflow_v1_Task, Task__Output as _recflow_v1_Task__Output } from '../../recflow/v1/Task.js';

export interface ListTasksResponse {
  'tasks'?: (_recflow_v1_Task)[];
  'nextPageToken'?: (string);
}

export interface ListTasksResponse__Output {
  'tasks': (_recflow_v1_Task__Output)[];
  'nextPageToken': (string);
}
