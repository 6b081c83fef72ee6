// Original file: proto/recflow/v1/models.proto


export interface GetModelAliasRequest {
  'name'?: (string);
}

export interface GetModelAliasRequest__Output {
  'name': (string);
}
