// Original file: proto/recflow/v1/kinds.proto

import type { ScoredItem as _recflow_v1_ScoredItem, ScoredItem__Output as _recflow_v1_ScoredItem__Output } from '../../recflow/v1/ScoredItem.js';

export interface UserRecommendations {
  'userId'?: (string);
  'items'?: (_recflow_v1_ScoredItem)[];
  'coldStart'?: (boolean);
}

export interface UserRecommendations__Output {
  'userId': (string);
  'items': (_recflow_v1_ScoredItem__Output)[];
  'coldStart': (boolean);
}
