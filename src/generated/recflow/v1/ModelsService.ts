// Original file: proto/recflow/v1/models.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteModelRequest as _recflow_v1_DeleteModelRequest, DeleteModelRequest__Output as _recflow_v1_DeleteModelRequest__Output } from '../../recflow/v1/DeleteModelRequest.js';
import type { DeleteModelResponse as _recflow_v1_DeleteModelResponse, DeleteModelResponse__Output as _recflow_v1_DeleteModelResponse__Output } from '../../recflow/v1/DeleteModelResponse.js';
import type { GetModelAliasRequest as _recflow_v1_GetModelAliasRequest, GetModelAliasRequest__Output as _recflow_v1_GetModelAliasRequest__Output } from '../../recflow/v1/GetModelAliasRequest.js';
import type { GetModelRequest as _recflow_v1_GetModelRequest, GetModelRequest__Output as _recflow_v1_GetModelRequest__Output } from '../../recflow/v1/GetModelRequest.js';
import type { ListModelAliasesRequest as _recflow_v1_ListModelAliasesRequest, ListModelAliasesRequest__Output as _recflow_v1_ListModelAliasesRequest__Output } from '../../recflow/v1/ListModelAliasesRequest.js';
import type { ListModelAliasesResponse as _recflow_v1_ListModelAliasesResponse, ListModelAliasesResponse__Output as _recflow_v1_ListModelAliasesResponse__Output } from '../../recflow/v1/ListModelAliasesResponse.js';
import type { ListModelsRequest as _recflow_v1_ListModelsRequest, ListModelsRequest__Output as _recflow_v1_ListModelsRequest__Output } from '../../recflow/v1/ListModelsRequest.js';
import type { ListModelsResponse as _recflow_v1_ListModelsResponse, ListModelsResponse__Output as _recflow_v1_ListModelsResponse__Output } from '../../recflow/v1/ListModelsResponse.js';
import type { Model as _recflow_v1_Model, Model__Output as _recflow_v1_Model__Output } from '../../recflow/v1/Model.js';
import type { ModelAlias as _recflow_v1_ModelAlias, ModelAlias__Output as _recflow_v1_ModelAlias__Output } from '../../recflow/v1/ModelAlias.js';
import type { SetModelAliasRequest as _recflow_v1_SetModelAliasRequest, SetModelAliasRequest__Output as _recflow_v1_SetModelAliasRequest__Output } from '../../recflow/v1/SetModelAliasRequest.js';

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
  
  GetModelAlias(argument: _recflow_v1_GetModelAliasRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  GetModelAlias(argument: _recflow_v1_GetModelAliasRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  GetModelAlias(argument: _recflow_v1_GetModelAliasRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  GetModelAlias(argument: _recflow_v1_GetModelAliasRequest, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  getModelAlias(argument: _recflow_v1_GetModelAliasRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  getModelAlias(argument: _recflow_v1_GetModelAliasRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  getModelAlias(argument: _recflow_v1_GetModelAliasRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  getModelAlias(argument: _recflow_v1_GetModelAliasRequest, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  
  ListModelAliases(argument: _recflow_v1_ListModelAliasesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelAliasesResponse__Output>): grpc.ClientUnaryCall;
  ListModelAliases(argument: _recflow_v1_ListModelAliasesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ListModelAliasesResponse__Output>): grpc.ClientUnaryCall;
  ListModelAliases(argument: _recflow_v1_ListModelAliasesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelAliasesResponse__Output>): grpc.ClientUnaryCall;
  ListModelAliases(argument: _recflow_v1_ListModelAliasesRequest, callback: grpc.requestCallback<_recflow_v1_ListModelAliasesResponse__Output>): grpc.ClientUnaryCall;
  listModelAliases(argument: _recflow_v1_ListModelAliasesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelAliasesResponse__Output>): grpc.ClientUnaryCall;
  listModelAliases(argument: _recflow_v1_ListModelAliasesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ListModelAliasesResponse__Output>): grpc.ClientUnaryCall;
  listModelAliases(argument: _recflow_v1_ListModelAliasesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelAliasesResponse__Output>): grpc.ClientUnaryCall;
  listModelAliases(argument: _recflow_v1_ListModelAliasesRequest, callback: grpc.requestCallback<_recflow_v1_ListModelAliasesResponse__Output>): grpc.ClientUnaryCall;
  
  ListModels(argument: _recflow_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _recflow_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _recflow_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _recflow_v1_ListModelsRequest, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recflow_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recflow_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recflow_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recflow_v1_ListModelsRequest, callback: grpc.requestCallback<_recflow_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  
  SetModelAlias(argument: _recflow_v1_SetModelAliasRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  SetModelAlias(argument: _recflow_v1_SetModelAliasRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  SetModelAlias(argument: _recflow_v1_SetModelAliasRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  SetModelAlias(argument: _recflow_v1_SetModelAliasRequest, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  setModelAlias(argument: _recflow_v1_SetModelAliasRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  setModelAlias(argument: _recflow_v1_SetModelAliasRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  setModelAlias(argument: _recflow_v1_SetModelAliasRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  setModelAlias(argument: _recflow_v1_SetModelAliasRequest, callback: grpc.requestCallback<_recflow_v1_ModelAlias__Output>): grpc.ClientUnaryCall;
  
}

export interface ModelsServiceHandlers extends grpc.UntypedServiceImplementation {
  DeleteModel: grpc.handleUnaryCall<_recflow_v1_DeleteModelRequest__Output, _recflow_v1_DeleteModelResponse>;
  
  GetModel: grpc.handleUnaryCall<_recflow_v1_GetModelRequest__Output, _recflow_v1_Model>;
  
  GetModelAlias: grpc.handleUnaryCall<_recflow_v1_GetModelAliasRequest__Output, _recflow_v1_ModelAlias>;
  
  ListModelAliases: grpc.handleUnaryCall<_recflow_v1_ListModelAliasesRequest__Output, _recflow_v1_ListModelAliasesResponse>;
  
  ListModels: grpc.handleUnaryCall<_recflow_v1_ListModelsRequest__Output, _recflow_v1_ListModelsResponse>;
  
  SetModelAlias: grpc.handleUnaryCall<_recflow_v1_SetModelAliasRequest__Output, _recflow_v1_ModelAlias>;
  
}

export interface ModelsServiceDefinition extends grpc.ServiceDefinition {
  DeleteModel: MethodDefinition<_recflow_v1_DeleteModelRequest, _recflow_v1_DeleteModelResponse, _recflow_v1_DeleteModelRequest__Output, _recflow_v1_DeleteModelResponse__Output>
  GetModel: MethodDefinition<_recflow_v1_GetModelRequest, _recflow_v1_Model, _recflow_v1_GetModelRequest__Output, _recflow_v1_Model__Output>
  GetModelAlias: MethodDefinition<_recflow_v1_GetModelAliasRequest, _recflow_v1_ModelAlias, _recflow_v1_GetModelAliasRequest__Output, _recflow_v1_ModelAlias__Output>
  ListModelAliases: MethodDefinition<_recflow_v1_ListModelAliasesRequest, _recflow_v1_ListModelAliasesResponse, _recflow_v1_ListModelAliasesRequest__Output, _recflow_v1_ListModelAliasesResponse__Output>
  ListModels: MethodDefinition<_recflow_v1_ListModelsRequest, _recflow_v1_ListModelsResponse, _recflow_v1_ListModelsRequest__Output, _recflow_v1_ListModelsResponse__Output>
  SetModelAlias: MethodDefinition<_recflow_v1_SetModelAliasRequest, _recflow_v1_ModelAlias, _recflow_v1_SetModelAliasRequest__Output, _recflow_v1_ModelAlias__Output>
}
