// Original file: proto/recflow/v1/kinds.proto

import type { ConfidenceScaling as _recflow_v1_ConfidenceScaling, ConfidenceScaling__Output as _recflow_v1_ConfidenceScaling__Output } from '../../recflow/v1/ConfidenceScaling.js';

export interface AlsParams {
  'factors'?: (number);
  'iterations'?: (number);
  'regularization'?: (number | string);
  'alpha'?: (number | string);
  'cgSteps'?: (number);
  'scaling'?: (_recflow_v1_ConfidenceScaling);
  'epsilon'?: (number | string);
}

export interface AlsParams__Output {
  'factors': (number);
  'iterations': (number);
  'regularization': (number);
  'alpha': (number);
  'cgSteps': (number);
  'scaling': (_recflow_v1_ConfidenceScaling__Output);
  'epsilon': (number);
}
