// Original file: proto/recflow/v1/kinds.proto


export interface Evaluate {
  'modelId'?: (string);
  'datasetId'?: (string);
  'k'?: (number);
  'alias'?: (string);
}

export interface Evaluate__Output {
  'modelId': (string);
  'datasetId': (string);
  'k': (number);
  'alias': (string);
}
