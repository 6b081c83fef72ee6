// Original file: proto/recflow/v1/tasks.proto

import type { BatchSubmitTaskResult as _recflow_v1_BatchSubmitTaskResult, BatchSubmitTaskResult__Output as _recflow_v1_BatchSubmitTaskResult__Output } from '../../recflow/v1/BatchSubmitTaskResult.js';

export interface BatchSubmitTasksResponse {
  'results'?: (_recflow_v1_BatchSubmitTaskResult)[];
}

export interface BatchSubmitTasksResponse__Output {
  'results': (_recflow_v1_BatchSubmitTaskResult__Output)[];
}
