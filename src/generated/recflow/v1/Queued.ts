// Original file: proto/recflow/v1/tasks.proto

import type { TaskSpec as _recflow_v1_TaskSpec, TaskSpec__Output as _recflow_v1_TaskSpec__Output } from '../../recflow/v1/TaskSpec.js';

export interface Queued {
  'spec'?: (_recflow_v1_TaskSpec | null);
  'requestId'?: (string);
}

export interface Queued__Output {
  'spec': (_recflow_v1_TaskSpec__Output | null);
  'requestId': (string);
}
