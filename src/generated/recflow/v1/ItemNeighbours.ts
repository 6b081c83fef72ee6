// Original file: proto/recflow/v1/kinds.proto

import type { ScoredItem as _recflow_v1_ScoredItem, ScoredItem__Output as _recflow_v1_ScoredItem__Output } from '../../recflow/v1/ScoredItem.js';

export interface ItemNeighbours {
  'itemId'?: (string);
  'similar'?: (_recflow_v1_ScoredItem)[];
  'unknown'?: (boolean);
}

export interface ItemNeighbours__Output {
  'itemId': (string);
  'similar': (_recflow_v1_ScoredItem__Output)[];
  'unknown': (boolean);
}
