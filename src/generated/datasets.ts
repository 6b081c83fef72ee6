import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { Dataset as _recflow_v1_Dataset, Dataset__Output as _recflow_v1_Dataset__Output } from './recflow/v1/Dataset.js';
import type { DatasetMetadata as _recflow_v1_DatasetMetadata, DatasetMetadata__Output as _recflow_v1_DatasetMetadata__Output } from './recflow/v1/DatasetMetadata.js';
import type { DatasetsServiceClient as _recflow_v1_DatasetsServiceClient, DatasetsServiceDefinition as _recflow_v1_DatasetsServiceDefinition } from './recflow/v1/DatasetsService.js';
import type { DeleteDatasetRequest as _recflow_v1_DeleteDatasetRequest, DeleteDatasetRequest__Output as _recflow_v1_DeleteDatasetRequest__Output } from './recflow/v1/DeleteDatasetRequest.js';
import type { DeleteDatasetResponse as _recflow_v1_DeleteDatasetResponse, DeleteDatasetResponse__Output as _recflow_v1_DeleteDatasetResponse__Output } from './recflow/v1/DeleteDatasetResponse.js';
import type { GetDatasetRequest as _recflow_v1_GetDatasetRequest, GetDatasetRequest__Output as _recflow_v1_GetDatasetRequest__Output } from './recflow/v1/GetDatasetRequest.js';
import type { ListDatasetsRequest as _recflow_v1_ListDatasetsRequest, ListDatasetsRequest__Output as _recflow_v1_ListDatasetsRequest__Output } from './recflow/v1/ListDatasetsRequest.js';
import type { ListDatasetsResponse as _recflow_v1_ListDatasetsResponse, ListDatasetsResponse__Output as _recflow_v1_ListDatasetsResponse__Output } from './recflow/v1/ListDatasetsResponse.js';
import type { UploadDatasetRequest as _recflow_v1_UploadDatasetRequest, UploadDatasetRequest__Output as _recflow_v1_UploadDatasetRequest__Output } from './recflow/v1/UploadDatasetRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  recflow: {
    v1: {
      Dataset: MessageTypeDefinition<_recflow_v1_Dataset, _recflow_v1_Dataset__Output>
      DatasetMetadata: MessageTypeDefinition<_recflow_v1_DatasetMetadata, _recflow_v1_DatasetMetadata__Output>
      DatasetsService: SubtypeConstructor<typeof grpc.Client, _recflow_v1_DatasetsServiceClient> & { service: _recflow_v1_DatasetsServiceDefinition }
      DeleteDatasetRequest: MessageTypeDefinition<_recflow_v1_DeleteDatasetRequest, _recflow_v1_DeleteDatasetRequest__Output>
      DeleteDatasetResponse: MessageTypeDefinition<_recflow_v1_DeleteDatasetResponse, _recflow_v1_DeleteDatasetResponse__Output>
      GetDatasetRequest: MessageTypeDefinition<_recflow_v1_GetDatasetRequest, _recflow_v1_GetDatasetRequest__Output>
      ListDatasetsRequest: MessageTypeDefinition<_recflow_v1_ListDatasetsRequest, _recflow_v1_ListDatasetsRequest__Output>
      ListDatasetsResponse: MessageTypeDefinition<_recflow_v1_ListDatasetsResponse, _recflow_v1_ListDatasetsResponse__Output>
      UploadDatasetRequest: MessageTypeDefinition<_recflow_v1_UploadDatasetRequest, _recflow_v1_UploadDatasetRequest__Output>
    }
  }
}

