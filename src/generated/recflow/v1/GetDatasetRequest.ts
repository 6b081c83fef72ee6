// Original file: proto/recflow/v1/datasets.proto


export interface GetDatasetRequest {
  'datasetId'?: (string);
}

export interface GetDatasetRequest__Output {
  'datasetId': (string);
}
