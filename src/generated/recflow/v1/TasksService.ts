// Original file: proto/recflow/v1/tasks.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BatchSubmitTasksRequest as _recflow_v1_BatchSubmitTasksRequest, BatchSubmitTasksRequest__Output as _recflow_v1_BatchSubmitTasksRequest__Output } from '../../recflow/v1/BatchSubmitTasksRequest.js';
import type { BatchSubmitTasksResponse as _recflow_v1_BatchSubmitTasksResponse, BatchSubmitTasksResponse__Output as _recflow_v1_BatchSubmitTasksResponse__Output } from '../../recflow/v1/BatchSubmitTasksResponse.js';
import type { CancelTaskRequest as _recflow_v1_CancelTaskRequest, CancelTaskRequest__Output as _recflow_v1_CancelTaskRequest__Output } from '../../recflow/v1/CancelTaskRequest.js';
import type { GetTaskRequest as _recflow_v1_GetTaskRequest, GetTaskRequest__Output as _recflow_v1_GetTaskRequest__Output } from '../../recflow/v1/GetTaskRequest.js';
import type { ListTasksRequest as _recflow_v1_ListTasksRequest, ListTasksRequest__Output as _recflow_v1_ListTasksRequest__Output } from '../../recflow/v1/ListTasksRequest.js';
import type { ListTasksResponse as _recflow_v1_ListTasksResponse, ListTasksResponse__Output as _recflow_v1_ListTasksResponse__Output } from '../../recflow/v1/ListTasksResponse.js';
import type { SubmitTaskRequest as _recflow_v1_SubmitTaskRequest, SubmitTaskRequest__Output as _recflow_v1_SubmitTaskRequest__Output } from '../../recflow/v1/SubmitTaskRequest.js';
import type { Task as _recflow_v1_Task, Task__Output as _recflow_v1_Task__Output } from '../../recflow/v1/Task.js';
import type { TaskEvent as _recflow_v1_TaskEvent, TaskEvent__Output as _recflow_v1_TaskEvent__Output } from '../../recflow/v1/TaskEvent.js';
import type { WatchTaskRequest as _recflow_v1_WatchTaskRequest, WatchTaskRequest__Output as _recflow_v1_WatchTaskRequest__Output } from '../../recflow/v1/WatchTaskRequest.js';
import type { WatchTasksRequest as _recflow_v1_WatchTasksRequest, WatchTasksRequest__Output as _recflow_v1_WatchTasksRequest__Output } from '../../recflow/v1/WatchTasksRequest.js';

export interface TasksServiceClient extends grpc.Client {
  BatchSubmitTasks(argument: _recflow_v1_BatchSubmitTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_BatchSubmitTasksResponse__Output>): grpc.ClientUnaryCall;
  BatchSubmitTasks(argument: _recflow_v1_BatchSubmitTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_BatchSubmitTasksResponse__Output>): grpc.ClientUnaryCall;
  BatchSubmitTasks(argument: _recflow_v1_BatchSubmitTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_BatchSubmitTasksResponse__Output>): grpc.ClientUnaryCall;
  BatchSubmitTasks(argument: _recflow_v1_BatchSubmitTasksRequest, callback: grpc.requestCallback<_recflow_v1_BatchSubmitTasksResponse__Output>): grpc.ClientUnaryCall;
  batchSubmitTasks(argument: _recflow_v1_BatchSubmitTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_BatchSubmitTasksResponse__Output>): grpc.ClientUnaryCall;
  batchSubmitTasks(argument: _recflow_v1_BatchSubmitTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_BatchSubmitTasksResponse__Output>): grpc.ClientUnaryCall;
  batchSubmitTasks(argument: _recflow_v1_BatchSubmitTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_BatchSubmitTasksResponse__Output>): grpc.ClientUnaryCall;
  batchSubmitTasks(argument: _recflow_v1_BatchSubmitTasksRequest, callback: grpc.requestCallback<_recflow_v1_BatchSubmitTasksResponse__Output>): grpc.ClientUnaryCall;
  
  CancelTask(argument: _recflow_v1_CancelTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _recflow_v1_CancelTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _recflow_v1_CancelTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  CancelTask(argument: _recflow_v1_CancelTaskRequest, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _recflow_v1_CancelTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _recflow_v1_CancelTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _recflow_v1_CancelTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  cancelTask(argument: _recflow_v1_CancelTaskRequest, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  
  GetTask(argument: _recflow_v1_GetTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _recflow_v1_GetTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _recflow_v1_GetTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _recflow_v1_GetTaskRequest, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  getTask(argument: _recflow_v1_GetTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  getTask(argument: _recflow_v1_GetTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  getTask(argument: _recflow_v1_GetTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  getTask(argument: _recflow_v1_GetTaskRequest, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  
  ListTasks(argument: _recflow_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _recflow_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _recflow_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _recflow_v1_ListTasksRequest, callback: grpc.requestCallback<_recflow_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _recflow_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _recflow_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _recflow_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _recflow_v1_ListTasksRequest, callback: grpc.requestCallback<_recflow_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  
  SubmitTask(argument: _recflow_v1_SubmitTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  SubmitTask(argument: _recflow_v1_SubmitTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  SubmitTask(argument: _recflow_v1_SubmitTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  SubmitTask(argument: _recflow_v1_SubmitTaskRequest, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  submitTask(argument: _recflow_v1_SubmitTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  submitTask(argument: _recflow_v1_SubmitTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  submitTask(argument: _recflow_v1_SubmitTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  submitTask(argument: _recflow_v1_SubmitTaskRequest, callback: grpc.requestCallback<_recflow_v1_Task__Output>): grpc.ClientUnaryCall;
  
  WatchTask(argument: _recflow_v1_WatchTaskRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_recflow_v1_TaskEvent__Output>;
  WatchTask(argument: _recflow_v1_WatchTaskRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_recflow_v1_TaskEvent__Output>;
  watchTask(argument: _recflow_v1_WatchTaskRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_recflow_v1_TaskEvent__Output>;
  watchTask(argument: _recflow_v1_WatchTaskRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_recflow_v1_TaskEvent__Output>;
  
  WatchTasks(argument: _recflow_v1_WatchTasksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_recflow_v1_TaskEvent__Output>;
  WatchTasks(argument: _recflow_v1_WatchTasksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_recflow_v1_TaskEvent__Output>;
  watchTasks(argument: _recflow_v1_WatchTasksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_recflow_v1_TaskEvent__Output>;
  watchTasks(argument: _recflow_v1_WatchTasksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_recflow_v1_TaskEvent__Output>;
  
}

export interface TasksServiceHandlers extends grpc.UntypedServiceImplementation {
  BatchSubmitTasks: grpc.handleUnaryCall<_recflow_v1_BatchSubmitTasksRequest__Output, _recflow_v1_BatchSubmitTasksResponse>;
  
  CancelTask: grpc.handleUnaryCall<_recflow_v1_CancelTaskRequest__Output, _recflow_v1_Task>;
  
  GetTask: grpc.handleUnaryCall<_recflow_v1_GetTaskRequest__Output, _recflow_v1_Task>;
  
  ListTasks: grpc.handleUnaryCall<_recflow_v1_ListTasksRequest__Output, _recflow_v1_ListTasksResponse>;
  
  SubmitTask: grpc.handleUnaryCall<_recflow_v1_SubmitTaskRequest__Output, _recflow_v1_Task>;
  
  WatchTask: grpc.handleServerStreamingCall<_recflow_v1_WatchTaskRequest__Output, _recflow_v1_TaskEvent>;
  
  WatchTasks: grpc.handleServerStreamingCall<_recflow_v1_WatchTasksRequest__Output, _recflow_v1_TaskEvent>;
  
}

export interface TasksServiceDefinition extends grpc.ServiceDefinition {
  BatchSubmitTasks: MethodDefinition<_recflow_v1_BatchSubmitTasksRequest, _recflow_v1_BatchSubmitTasksResponse, _recflow_v1_BatchSubmitTasksRequest__Output, _recflow_v1_BatchSubmitTasksResponse__Output>
  CancelTask: MethodDefinition<_recflow_v1_CancelTaskRequest, _recflow_v1_Task, _recflow_v1_CancelTaskRequest__Output, _recflow_v1_Task__Output>
  GetTask: MethodDefinition<_recflow_v1_GetTaskRequest, _recflow_v1_Task, _recflow_v1_GetTaskRequest__Output, _recflow_v1_Task__Output>
  ListTasks: MethodDefinition<_recflow_v1_ListTasksRequest, _recflow_v1_ListTasksResponse, _recflow_v1_ListTasksRequest__Output, _recflow_v1_ListTasksResponse__Output>
  SubmitTask: MethodDefinition<_recflow_v1_SubmitTaskRequest, _recflow_v1_Task, _recflow_v1_SubmitTaskRequest__Output, _recflow_v1_Task__Output>
  WatchTask: MethodDefinition<_recflow_v1_WatchTaskRequest, _recflow_v1_TaskEvent, _recflow_v1_WatchTaskRequest__Output, _recflow_v1_TaskEvent__Output>
  WatchTasks: MethodDefinition<_recflow_v1_WatchTasksRequest, _recflow_v1_TaskEvent, _recflow_v1_WatchTasksRequest__Output, _recflow_v1_TaskEvent__Output>
}
