// Original file: proto/recflow/v1/tasks.proto


export interface Progress {
  'fraction'?: (number | string);
  'message'?: (string);
  'metrics'?: ({[key: string]: number | string});
}

export interface Progress__Output {
  'fraction': (number);
  'message': (string);
  'metrics': ({[key: string]: number});
}
