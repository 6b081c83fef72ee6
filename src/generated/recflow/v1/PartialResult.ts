// Original file: proto/recflow/v1/kinds.proto

import type { UserRecommendations as _recflow_v1_UserRecommendations, UserRecommendations__Output as _recflow_v1_UserRecommendations__Output } from '../../recflow/v1/UserRecommendations.js';
import type { ItemNeighbours as _recflow_v1_ItemNeighbours, ItemNeighbours__Output as _recflow_v1_ItemNeighbours__Output } from '../../recflow/v1/ItemNeighbours.js';
import type { TuneTrial as _recflow_v1_TuneTrial, TuneTrial__Output as _recflow_v1_TuneTrial__Output } from '../../recflow/v1/TuneTrial.js';

export interface PartialResult {
  'chunkIndex'?: (number);
  'recommendations'?: (_recflow_v1_UserRecommendations)[];
  'neighbours'?: (_recflow_v1_ItemNeighbours)[];
  'leaderboard'?: (_recflow_v1_TuneTrial)[];
}

export interface PartialResult__Output {
  'chunkIndex': (number);
  'recommendations': (_recflow_v1_UserRecommendations__Output)[];
  'neighbours': (_recflow_v1_ItemNeighbours__Output)[];
  'leaderboard': (_recflow_v1_TuneTrial__Output)[];
}
