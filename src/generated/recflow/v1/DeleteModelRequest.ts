// Original file: proto/recflow/v1/models.proto


export interface DeleteModelRequest {
  'modelId'?: (string);
}

export interface DeleteModelRequest__Output {
  'modelId': (string);
}
