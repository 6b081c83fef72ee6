// Original file: proto/recflow/v1/kinds.proto


export interface ProbeResult {
  'attempt'?: (number);
  'workerId'?: (string);
  'workMs'?: (number);
}

export interface ProbeResult__Output {
  'attempt': (number);
  'workerId': (string);
  'workMs': (number);
}
