// Original file: proto/recflow/v1/models.proto


export interface ListModelAliasesRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListModelAliasesRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
}
