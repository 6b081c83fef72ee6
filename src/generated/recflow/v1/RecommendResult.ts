// Original file: proto/recflow/v1/kinds.proto


export interface RecommendResult {
  'users'?: (number);
  'coldStartUsers'?: (number);
  'chunks'?: (number);
  'modelId'?: (string);
}

export interface RecommendResult__Output {
  'users': (number);
  'coldStartUsers': (number);
  'chunks': (number);
  'modelId': (string);
}
