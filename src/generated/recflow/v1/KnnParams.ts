// Original file: proto/recflow/v1/kinds.proto

import type { KnnWeighting as _recflow_v1_KnnWeighting, KnnWeighting__Output as _recflow_v1_KnnWeighting__Output } from '../../recflow/v1/KnnWeighting.js';

export interface KnnParams {
  'neighbors'?: (number);
  'shrinkage'?: (number | string);
  'weighting'?: (_recflow_v1_KnnWeighting);
  'bm25K1'?: (number | string);
  'bm25B'?: (number | string);
}

export interface KnnParams__Output {
  'neighbors': (number);
  'shrinkage': (number);
  'weighting': (_recflow_v1_KnnWeighting__Output);
  'bm25K1': (number);
  'bm25B': (number);
}
