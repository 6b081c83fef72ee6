// Original file: proto/recflow/v1/tasks.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchTasksRequest {
  'taskIds'?: (string)[];
  'labelSelector'?: (string);
  'afterSequence'?: (number | string | Long);
}

export interface WatchTasksRequest__Output {
  'taskIds': (string)[];
  'labelSelector': (string);
  'afterSequence': (number);
}
