// Original file: proto/recflow/v1/tasks.proto


export interface Started {
  'attempt'?: (number);
  'workerId'?: (string);
}

export interface Started__Output {
  'attempt': (number);
  'workerId': (string);
}
