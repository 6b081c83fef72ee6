// Original file: proto/recflow/v1/models.proto


export interface ListModelsRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListModelsRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
}
