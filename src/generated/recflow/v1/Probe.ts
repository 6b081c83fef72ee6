// Original file: proto/recflow/v1/kinds.proto


export interface Probe {
  'workMs'?: (number);
  'cpu'?: (boolean);
  'failAttempts'?: (number);
  'permanentError'?: (boolean);
  'crashProcess'?: (boolean);
  'progressSteps'?: (number);
  'crashThread'?: (boolean);
}

export interface Probe__Output {
  'workMs': (number);
  'cpu': (boolean);
  'failAttempts': (number);
  'permanentError': (boolean);
  'crashProcess': (boolean);
  'progressSteps': (number);
  'crashThread': (boolean);
}
