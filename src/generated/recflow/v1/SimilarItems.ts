// Original file: proto/recflow/v1/kinds.proto


export interface SimilarItems {
  'modelId'?: (string);
  'itemIds'?: (string)[];
  'k'?: (number);
  'alias'?: (string);
}

export interface SimilarItems__Output {
  'modelId': (string);
  'itemIds': (string)[];
  'k': (number);
  'alias': (string);
}
