// Original file: proto/recflow/v1/kinds.proto


export interface SoftmaxParams {
  'factors'?: (number);
  'iterations'?: (number);
  'userRegularization'?: (number | string);
  'itemRegularization'?: (number | string);
}

export interface SoftmaxParams__Output {
  'factors': (number);
  'iterations': (number);
  'userRegularization': (number);
  'itemRegularization': (number);
}
