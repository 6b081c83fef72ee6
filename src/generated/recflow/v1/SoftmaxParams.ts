// Original file: proto/recflow/v1/kinds.proto

import type { SoftmaxOrder as _recflow_v1_SoftmaxOrder, SoftmaxOrder__Output as _recflow_v1_SoftmaxOrder__Output } from '../../recflow/v1/SoftmaxOrder.js';

export interface SoftmaxParams {
  'factors'?: (number);
  'iterations'?: (number);
  'userRegularization'?: (number | string);
  'itemRegularization'?: (number | string);
  'order'?: (_recflow_v1_SoftmaxOrder);
}

export interface SoftmaxParams__Output {
  'factors': (number);
  'iterations': (number);
  'userRegularization': (number);
  'itemRegularization': (number);
  'order': (_recflow_v1_SoftmaxOrder__Output);
}
