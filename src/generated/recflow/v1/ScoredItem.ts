// Original file: proto/recflow/v1/kinds.proto


export interface ScoredItem {
  'itemId'?: (string);
  'score'?: (number | string);
}

export interface ScoredItem__Output {
  'itemId': (string);
  'score': (number);
}
