// Original file: proto/recflow/v1/models.proto


export interface GetModelRequest {
  'modelId'?: (string);
}

export interface GetModelRequest__Output {
  'modelId': (string);
}
