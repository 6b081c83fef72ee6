// Original file: proto/recflow/v1/datasets.proto

import type { DatasetMetadata as _recflow_v1_DatasetMetadata, DatasetMetadata__Output as _recflow_v1_DatasetMetadata__Output } from '../../recflow/v1/DatasetMetadata.js';

export interface UploadDatasetRequest {
  'metadata'?: (_recflow_v1_DatasetMetadata | null);
  'chunk'?: (Buffer | Uint8Array | string);
  'part'?: "metadata"|"chunk";
}

export interface UploadDatasetRequest__Output {
  'metadata'?: (_recflow_v1_DatasetMetadata__Output | null);
  'chunk'?: (Buffer);
  'part'?: "metadata"|"chunk";
}
