// Original file: proto/recflow/v1/tasks.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchTaskRequest {
  'taskId'?: (string);
  'afterSequence'?: (number | string | Long);
}

export interface WatchTaskRequest__Output {
  'taskId': (string);
  'afterSequence': (number);
}
