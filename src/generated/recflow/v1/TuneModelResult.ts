// Original file: proto/recflow/v1/kinds.proto

import type { Algorithm as _recflow_v1_Algorithm, Algorithm__Output as _recflow_v1_Algorithm__Output } from '../../recflow/v1/Algorithm.js';
import type { TuneTrial as _recflow_v1_TuneTrial, TuneTrial__Output as _recflow_v1_TuneTrial__Output } from '../../recflow/v1/TuneTrial.js';
import type { Promotion as _recflow_v1_Promotion, Promotion__Output as _recflow_v1_Promotion__Output } from '../../recflow/v1/Promotion.js';

export interface TuneModelResult {
  'modelId'?: (string);
  'algorithm'?: (_recflow_v1_Algorithm);
  'best'?: (_recflow_v1_TuneTrial | null);
  'leaderboard'?: (_recflow_v1_TuneTrial)[];
  'metrics'?: ({[key: string]: number | string});
  'defaultMetrics'?: ({[key: string]: number | string});
  'baselineMetrics'?: ({[key: string]: number | string});
  'trials'?: (number);
  'stoppedByTime'?: (boolean);
  'trainSeconds'?: (number | string);
  'promotion'?: (_recflow_v1_Promotion | null);
  'users'?: (number);
  'items'?: (number);
}

export interface TuneModelResult__Output {
  'modelId': (string);
  'algorithm': (_recflow_v1_Algorithm__Output);
  'best': (_recflow_v1_TuneTrial__Output | null);
  'leaderboard': (_recflow_v1_TuneTrial__Output)[];
  'metrics': ({[key: string]: number});
  'defaultMetrics': ({[key: string]: number});
  'baselineMetrics': ({[key: string]: number});
  'trials': (number);
  'stoppedByTime': (boolean);
  'trainSeconds': (number);
  'promotion': (_recflow_v1_Promotion__Output | null);
  'users': (number);
  'items': (number);
}
