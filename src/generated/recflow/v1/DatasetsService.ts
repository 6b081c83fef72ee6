// Original file: proto/recflow/v1/datasets.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Dataset as _recflow_v1_Dataset, Dataset__Output as _recflow_v1_Dataset__Output } from '../../recflow/v1/Dataset.js';
import type { DeleteDatasetRequest as _recflow_v1_DeleteDatasetRequest, DeleteDatasetRequest__Output as _recflow_v1_DeleteDatasetRequest__Output } from '../../recflow/v1/DeleteDatasetRequest.js';
import type { DeleteDatasetResponse as _recflow_v1_DeleteDatasetResponse, DeleteDatasetResponse__Output as _recflow_v1_DeleteDatasetResponse__Output } from '../../recflow/v1/DeleteDatasetResponse.js';
import type { GetDatasetRequest as _recflow_v1_GetDatasetRequest, GetDatasetRequest__Output as _recflow_v1_GetDatasetRequest__Output } from '../../recflow/v1/GetDatasetRequest.js';
import type { ListDatasetsRequest as _recflow_v1_ListDatasetsRequest, ListDatasetsRequest__Output as _recflow_v1_ListDatasetsRequest__Output } from '../../recflow/v1/ListDatasetsRequest.js';
import type { ListDatasetsResponse as _recflow_v1_ListDatasetsResponse, ListDatasetsResponse__Output as _recflow_v1_ListDatasetsResponse__Output } from '../../recflow/v1/ListDatasetsResponse.js';
import type { UploadDatasetRequest as _recflow_v1_UploadDatasetRequest, UploadDatasetRequest__Output as _recflow_v1_UploadDatasetRequest__Output } from '../../recflow/v1/UploadDatasetRequest.js';

export interface DatasetsServiceClient extends grpc.Client {
  DeleteDataset(argument: _recflow_v1_DeleteDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  DeleteDataset(argument: _recflow_v1_DeleteDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  DeleteDataset(argument: _recflow_v1_DeleteDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  DeleteDataset(argument: _recflow_v1_DeleteDatasetRequest, callback: grpc.requestCallback<_recflow_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  deleteDataset(argument: _recflow_v1_DeleteDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  deleteDataset(argument: _recflow_v1_DeleteDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  deleteDataset(argument: _recflow_v1_DeleteDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  deleteDataset(argument: _recflow_v1_DeleteDatasetRequest, callback: grpc.requestCallback<_recflow_v1_DeleteDatasetResponse__Output>): grpc.ClientUnaryCall;
  
  GetDataset(argument: _recflow_v1_GetDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientUnaryCall;
  GetDataset(argument: _recflow_v1_GetDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientUnaryCall;
  GetDataset(argument: _recflow_v1_GetDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientUnaryCall;
  GetDataset(argument: _recflow_v1_GetDatasetRequest, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientUnaryCall;
  getDataset(argument: _recflow_v1_GetDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientUnaryCall;
  getDataset(argument: _recflow_v1_GetDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientUnaryCall;
  getDataset(argument: _recflow_v1_GetDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientUnaryCall;
  getDataset(argument: _recflow_v1_GetDatasetRequest, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientUnaryCall;
  
  ListDatasets(argument: _recflow_v1_ListDatasetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  ListDatasets(argument: _recflow_v1_ListDatasetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  ListDatasets(argument: _recflow_v1_ListDatasetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  ListDatasets(argument: _recflow_v1_ListDatasetsRequest, callback: grpc.requestCallback<_recflow_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  listDatasets(argument: _recflow_v1_ListDatasetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  listDatasets(argument: _recflow_v1_ListDatasetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  listDatasets(argument: _recflow_v1_ListDatasetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  listDatasets(argument: _recflow_v1_ListDatasetsRequest, callback: grpc.requestCallback<_recflow_v1_ListDatasetsResponse__Output>): grpc.ClientUnaryCall;
  
  UploadDataset(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientWritableStream<_recflow_v1_UploadDatasetRequest>;
  UploadDataset(metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientWritableStream<_recflow_v1_UploadDatasetRequest>;
  UploadDataset(options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientWritableStream<_recflow_v1_UploadDatasetRequest>;
  UploadDataset(callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientWritableStream<_recflow_v1_UploadDatasetRequest>;
  uploadDataset(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientWritableStream<_recflow_v1_UploadDatasetRequest>;
  uploadDataset(metadata: grpc.Metadata, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientWritableStream<_recflow_v1_UploadDatasetRequest>;
  uploadDataset(options: grpc.CallOptions, callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientWritableStream<_recflow_v1_UploadDatasetRequest>;
  uploadDataset(callback: grpc.requestCallback<_recflow_v1_Dataset__Output>): grpc.ClientWritableStream<_recflow_v1_UploadDatasetRequest>;
  
}

export interface DatasetsServiceHandlers extends grpc.UntypedServiceImplementation {
  DeleteDataset: grpc.handleUnaryCall<_recflow_v1_DeleteDatasetRequest__Output, _recflow_v1_DeleteDatasetResponse>;
  
  GetDataset: grpc.handleUnaryCall<_recflow_v1_GetDatasetRequest__Output, _recflow_v1_Dataset>;
  
  ListDatasets: grpc.handleUnaryCall<_recflow_v1_ListDatasetsRequest__Output, _recflow_v1_ListDatasetsResponse>;
  
  UploadDataset: grpc.handleClientStreamingCall<_recflow_v1_UploadDatasetRequest__Output, _recflow_v1_Dataset>;
  
}

export interface DatasetsServiceDefinition extends grpc.ServiceDefinition {
  DeleteDataset: MethodDefinition<_recflow_v1_DeleteDatasetRequest, _recflow_v1_DeleteDatasetResponse, _recflow_v1_DeleteDatasetRequest__Output, _recflow_v1_DeleteDatasetResponse__Output>
  GetDataset: MethodDefinition<_recflow_v1_GetDatasetRequest, _recflow_v1_Dataset, _recflow_v1_GetDatasetRequest__Output, _recflow_v1_Dataset__Output>
  ListDatasets: MethodDefinition<_recflow_v1_ListDatasetsRequest, _recflow_v1_ListDatasetsResponse, _recflow_v1_ListDatasetsRequest__Output, _recflow_v1_ListDatasetsResponse__Output>
  UploadDataset: MethodDefinition<_recflow_v1_UploadDatasetRequest, _recflow_v1_Dataset, _recflow_v1_UploadDatasetRequest__Output, _recflow_v1_Dataset__Output>
}
