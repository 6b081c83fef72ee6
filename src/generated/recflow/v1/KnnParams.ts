// Original file: proto/recflow/v1/kinds.proto


export interface KnnParams {
  'neighbors'?: (number);
  'shrinkage'?: (number | string);
}

export interface KnnParams__Output {
  'neighbors': (number);
  'shrinkage': (number);
}
