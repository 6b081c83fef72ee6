// Original file: proto/recflow/v1/tasks.proto


export interface Cancelled {
  'reason'?: (string);
}

export interface Cancelled__Output {
  'reason': (string);
}
