// Original file: proto/recflow/v1/kinds.proto

import type { Long } from '@grpc/proto-loader';

// Original file: proto/recflow/v1/kinds.proto

export const _recflow_v1_Promotion_Decision = {
  DECISION_UNSPECIFIED: 'DECISION_UNSPECIFIED',
  DECISION_PROMOTED: 'DECISION_PROMOTED',
  DECISION_NOT_BETTER: 'DECISION_NOT_BETTER',
  DECISION_ALIAS_CHANGED: 'DECISION_ALIAS_CHANGED',
} as const;

export type _recflow_v1_Promotion_Decision =
  | 'DECISION_UNSPECIFIED'
  | 0
  | 'DECISION_PROMOTED'
  | 1
  | 'DECISION_NOT_BETTER'
  | 2
  | 'DECISION_ALIAS_CHANGED'
  | 3

export type _recflow_v1_Promotion_Decision__Output = typeof _recflow_v1_Promotion_Decision[keyof typeof _recflow_v1_Promotion_Decision]

export interface Promotion {
  'alias'?: (string);
  'decision'?: (_recflow_v1_Promotion_Decision);
  'metric'?: (string);
  'candidateScore'?: (number | string);
  'currentScore'?: (number | string);
  'currentModelId'?: (string);
  'revision'?: (number | string | Long);
}

export interface Promotion__Output {
  'alias': (string);
  'decision': (_recflow_v1_Promotion_Decision__Output);
  'metric': (string);
  'candidateScore': (number);
  'currentScore': (number);
  'currentModelId': (string);
  'revision': (number);
}
