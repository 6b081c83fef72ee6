// Original file: proto/recflow/v1/kinds.proto


export interface SimilarItemsResult {
  'items'?: (number);
  'unknownItems'?: (number);
  'chunks'?: (number);
  'modelId'?: (string);
}

export interface SimilarItemsResult__Output {
  'items': (number);
  'unknownItems': (number);
  'chunks': (number);
  'modelId': (string);
}
