// Original file: proto/recflow/v1/datasets.proto


export interface ListDatasetsRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListDatasetsRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
}
