// Original file: proto/recflow/v1/models.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteModelRequest as _recflow_v1_DeleteModelRequest, DeleteModelRequest__Output as _recflow_v1_DeleteModelRequest__Output } from '../../recflow/v1/DeleteModelRequest.js';
import type { DeleteModelResponse as _recflow_v1_DeleteModelResponse, DeleteModelResponse__Output as _recflow_v1_DeleteModelResponse__Output } from '../../recflow/v1/DeleteModelResponse.js';
import type { GetModelRequest as _recflow_v1_GetModelRequest, GetModelRequest__Output as _recflow_v1_GetModelRequest__Output } from '../../recflow/v1/GetModelRequest.js';
import type { ListModelsRequest as _recflow_v1_ListModelsRequest, ListModelsRequest__Output as _recflow_v1_ListModelsRequest__Output } from '../../recflow/v1/ListModelsRequest.js';
import type { ListModelsResponse as _recflow_v1_ListModelsResponse, ListModelsResponse__Output as _recflow_v1_ListModelsResponse__Output } from '../../recflow/v1/ListModelsResponse.js';
import type { Model as _recflow_v1_Model, Model__Output as _recflow_v1_Model__Output } from '../../recflow/v1/Model.js';

export interface ModelsServiceClient extends grpc.Client {
  DeleteModel(argument: _recflow_v1_DeleteModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  DeleteModel(argument: _recflow_v1_DeleteModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  DeleteModel(argument: _recflow_v1_DeleteModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  DeleteModel(argument: _recflow_v1_DeleteModelRequest, callback: grpc.requestCallback<_recflow_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _recflow_v1_DeleteModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _recflow_v1_DeleteModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _recflow_v1_DeleteModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _recflow_v1_DeleteModelRequest, callback: grpc.requestCallback<_recflow_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  
  GetModel(argument: _recflow_v1_GetModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Model__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _recflow_v1_GetModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Model__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _recflow_v1_GetModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Model__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _recflow_v1_GetModelRequest, callback: grpc.requestCallback<_recflow_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _recflow_v1_GetModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _recflow_v1_GetModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _recflow_v1_GetModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _recflow_v1_GetModelRequest, callback: grpc.requestCallback<_recflow_v1_Model__Output>): grpc.ClientUnaryCall;
  
  ListModels(argument: _recflow_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _recflow_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _recflow_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _recflow_v1_ListModelsRequest, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recflow_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recflow_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recflow_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recflow_v1_ListModelsRequest, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ModelsServiceHandlers extends grpc.UntypedServiceImplementation {
  DeleteModel: grpc.handleUnaryCall<_recflow_v1_DeleteModelRequest__Output, _recflow_v1_DeleteModelResponse>;
  
  GetModel: grpc.handleUnaryCall<_recflow_v1_GetModelRequest__Output, _recflow_v1_Model>;
  
  ListModels: grpc.handleUnaryCall<_recflow_v1_ListModelsRequest__Output, _recflow_v1_ListModelsResponse>;
  
}

export interface ModelsServiceDefinition extends grpc.ServiceDefinition {
  DeleteModel: MethodDefinition<_recflow_v1_DeleteModelRequest, _recflow_v1_DeleteModelResponse, _recflow_v1_DeleteModelRequest__Output, _recflow_v1_DeleteModelResponse__Output>
  GetModel: MethodDefinition<_recflow_v1_GetModelRequest, _recflow_v1_Model, _recflow_v1_GetModelRequest__Output, _recflow_v1_Model__Output>
  ListModels: MethodDefinition<_recflow_v1_ListModelsRequest, _recflow_v1_ListModelsResponse, _recflow_v1_ListModelsRequest__Output, _recflow_v1_ListModelsResponse__Output>
}
