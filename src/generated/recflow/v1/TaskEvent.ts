// Original file: proto/recflow/v1/tasks.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { TaskStatus as _recflow_v1_TaskStatus, TaskStatus__Output as _recflow_v1_TaskStatus__Output } from '../../recflow/v1/TaskStatus.js';
import type { Queued as _recflow_v1_Queued, Queued__Output as _recflow_v1_Queued__Output } from '../../recflow/v1/Queued.js';
import type { Started as _recflow_v1_Started, Started__Output as _recflow_v1_Started__Output } from '../../recflow/v1/Started.js';
import type { Progress as _recflow_v1_Progress, Progress__Output as _recflow_v1_Progress__Output } from '../../recflow/v1/Progress.js';
import type { PartialResult as _recflow_v1_PartialResult, PartialResult__Output as _recflow_v1_PartialResult__Output } from '../../recflow/v1/PartialResult.js';
import type { Retrying as _recflow_v1_Retrying, Retrying__Output as _recflow_v1_Retrying__Output } from '../../recflow/v1/Retrying.js';
import type { Succeeded as _recflow_v1_Succeeded, Succeeded__Output as _recflow_v1_Succeeded__Output } from '../../recflow/v1/Succeeded.js';
import type { Failed as _recflow_v1_Failed, Failed__Output as _recflow_v1_Failed__Output } from '../../recflow/v1/Failed.js';
import type { Cancelled as _recflow_v1_Cancelled, Cancelled__Output as _recflow_v1_Cancelled__Output } from '../../recflow/v1/Cancelled.js';
import type { Long } from '@grpc/proto-loader';

export interface TaskEvent {
  'taskId'?: (string);
  'sequence'?: (number | string | Long);
  'time'?: (_google_protobuf_Timestamp | null);
  'status'?: (_recflow_v1_TaskStatus | null);
  'queued'?: (_recflow_v1_Queued | null);
  'started'?: (_recflow_v1_Started | null);
  'progress'?: (_recflow_v1_Progress | null);
  'partialResult'?: (_recflow_v1_PartialResult | null);
  'retrying'?: (_recflow_v1_Retrying | null);
  'succeeded'?: (_recflow_v1_Succeeded | null);
  'failed'?: (_recflow_v1_Failed | null);
  'cancelled'?: (_recflow_v1_Cancelled | null);
  'event'?: "queued"|"started"|"progress"|"partialResult"|"retrying"|"succeeded"|"failed"|"cancelled";
}

export interface TaskEvent__Output {
  'taskId': (string);
  'sequence': (number);
  'time': (_google_protobuf_Timestamp__Output | null);
  'status': (_recflow_v1_TaskStatus__Output | null);
  'queued'?: (_recflow_v1_Queued__Output | null);
  'started'?: (_recflow_v1_Started__Output | null);
  'progress'?: (_recflow_v1_Progress__Output | null);
  'partialResult'?: (_recflow_v1_PartialResult__Output | null);
  'retrying'?: (_recflow_v1_Retrying__Output | null);
  'succeeded'?: (_recflow_v1_Succeeded__Output | null);
  'failed'?: (_recflow_v1_Failed__Output | null);
  'cancelled'?: (_recflow_v1_Cancelled__Output | null);
  'event'?: "queued"|"started"|"progress"|"partialResult"|"retrying"|"succeeded"|"failed"|"cancelled";
}
