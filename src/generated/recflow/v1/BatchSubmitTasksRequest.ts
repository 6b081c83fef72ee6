// Original file: proto/recflow/v1/tasks.proto

import type { SubmitTaskRequest as _recflow_v1_SubmitTaskRequest, SubmitTaskRequest__Output as _recflow_v1_SubmitTaskRequest__Output } from '../../recflow/v1/SubmitTaskRequest.js';

export interface BatchSubmitTasksRequest {
  'requests'?: (_recflow_v1_SubmitTaskRequest)[];
  'allOrNothing'?: (boolean);
}

export interface BatchSubmitTasksRequest__Output {
  'requests': (_recflow_v1_SubmitTaskRequest__Output)[];
  'allOrNothing': (boolean);
}
