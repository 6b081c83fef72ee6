// Original file: proto/recflow/v1/tasks.proto


export interface TaskError {
  'code'?: (number);
  'reason'?: (string);
  'message'?: (string);
  'retryable'?: (boolean);
  'attempt'?: (number);
}

export interface TaskError__Output {
  'code': (number);
  'reason': (string);
  'message': (string);
  'retryable': (boolean);
  'attempt': (number);
}
