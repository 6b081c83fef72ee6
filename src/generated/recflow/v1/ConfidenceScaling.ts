// Original file: proto/recflow/v1/kinds.proto

export const ConfidenceScaling = {
  CONFIDENCE_SCALING_UNSPECIFIED: 'CONFIDENCE_SCALING_UNSPECIFIED',
  CONFIDENCE_SCALING_LOG: 'CONFIDENCE_SCALING_LOG',
  CONFIDENCE_SCALING_LINEAR: 'CONFIDENCE_SCALING_LINEAR',
} as const;

export type ConfidenceScaling =
  | 'CONFIDENCE_SCALING_UNSPECIFIED'
  | 0
  | 'CONFIDENCE_SCALING_LOG'
  | 1
  | 'CONFIDENCE_SCALING_LINEAR'
  | 2

export type ConfidenceScaling__Output = typeof ConfidenceScaling[keyof typeof ConfidenceScaling]
