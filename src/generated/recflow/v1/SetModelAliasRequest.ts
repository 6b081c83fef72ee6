// Original file: proto/recflow/v1/models.proto

import type { Long } from '@grpc/proto-loader';

export interface SetModelAliasRequest {
  'name'?: (string);
  'modelId'?: (string);
  'expectedRevision'?: (number | string | Long);
  '_expectedRevision'?: "expectedRevision";
}

export interface SetModelAliasRequest__Output {
  'name': (string);
  'modelId': (string);
  'expectedRevision'?: (number);
  '_expectedRevision'?: "expectedRevision";
}
