// Original file: proto/recflow/v1/datasets.proto


export interface DeleteDatasetRequest {
  'datasetId'?: (string);
}

export interface DeleteDatasetRequest__Output {
  'datasetId': (string);
}
