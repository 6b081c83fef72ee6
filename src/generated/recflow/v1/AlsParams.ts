// Original file: proto/recflow/v1/kinds.proto


export interface AlsParams {
  'factors'?: (number);
  'iterations'?: (number);
  'regularization'?: (number | string);
  'alpha'?: (number | string);
  'cgSteps'?: (number);
}

export interface AlsParams__Output {
  'factors': (number);
  'iterations': (number);
  'regularization': (number);
  'alpha': (number);
  'cgSteps': (number);
}
