// Original file: proto/recflow/v1/kinds.proto

import type { Algorithm as _recflow_v1_Algorithm, Algorithm__Output as _recflow_v1_Algorithm__Output } from '../../recflow/v1/Algorithm.js';
import type { Range as _recflow_v1_Range, Range__Output as _recflow_v1_Range__Output } from '../../recflow/v1/Range.js';
import type { ConfidenceScaling as _recflow_v1_ConfidenceScaling, ConfidenceScaling__Output as _recflow_v1_ConfidenceScaling__Output } from '../../recflow/v1/ConfidenceScaling.js';
import type { KnnWeighting as _recflow_v1_KnnWeighting, KnnWeighting__Output as _recflow_v1_KnnWeighting__Output } from '../../recflow/v1/KnnWeighting.js';

export interface SearchSpace {
  'algorithms'?: (_recflow_v1_Algorithm)[];
  'factors'?: (_recflow_v1_Range | null);
  'regularization'?: (_recflow_v1_Range | null);
  'alpha'?: (_recflow_v1_Range | null);
  'iterations'?: (_recflow_v1_Range | null);
  'scaling'?: (_recflow_v1_ConfidenceScaling)[];
  'neighbors'?: (_recflow_v1_Range | null);
  'knnWeighting'?: (_recflow_v1_KnnWeighting)[];
  'softmaxRegularization'?: (_recflow_v1_Range | null);
  'softmaxIterations'?: (_recflow_v1_Range | null);
}

export interface SearchSpace__Output {
  'algorithms': (_recflow_v1_Algorithm__Output)[];
  'factors': (_recflow_v1_Range__Output | null);
  'regularization': (_recflow_v1_Range__Output | null);
  'alpha': (_recflow_v1_Range__Output | null);
  'iterations': (_recflow_v1_Range__Output | null);
  'scaling': (_recflow_v1_ConfidenceScaling__Output)[];
  'neighbors': (_recflow_v1_Range__Output | null);
  'knnWeighting': (_recflow_v1_KnnWeighting__Output)[];
  'softmaxRegularization': (_recflow_v1_Range__Output | null);
  'softmaxIterations': (_recflow_v1_Range__Output | null);
}
