// Original file: proto/recflow/v1/kinds.proto


export interface EvaluateResult {
  'k'?: (number);
  'usersEvaluated'?: (number);
  'metrics'?: ({[key: string]: number | string});
  'baselineMetrics'?: ({[key: string]: number | string});
  'modelId'?: (string);
}

export interface EvaluateResult__Output {
  'k': (number);
  'usersEvaluated': (number);
  'metrics': ({[key: string]: number});
  'baselineMetrics': ({[key: string]: number});
  'modelId': (string);
}
