// Original file: proto/recflow/v1/kinds.proto

import type { Algorithm as _recflow_v1_Algorithm, Algorithm__Output as _recflow_v1_Algorithm__Output } from '../../recflow/v1/Algorithm.js';
import type { Promotion as _recflow_v1_Promotion, Promotion__Output as _recflow_v1_Promotion__Output } from '../../recflow/v1/Promotion.js';
import type { PopularityBlend as _recflow_v1_PopularityBlend, PopularityBlend__Output as _recflow_v1_PopularityBlend__Output } from '../../recflow/v1/PopularityBlend.js';

export interface TrainModelResult {
  'modelId'?: (string);
  'algorithm'?: (_recflow_v1_Algorithm);
  'users'?: (number);
  'items'?: (number);
  'iterations'?: (number);
  'finalLoss'?: (number | string);
  'metrics'?: ({[key: string]: number | string});
  'baselineMetrics'?: ({[key: string]: number | string});
  'trainSeconds'?: (number | string);
  'promotion'?: (_recflow_v1_Promotion | null);
  'blend'?: (_recflow_v1_PopularityBlend | null);
  'warnings'?: (string)[];
}

export interface TrainModelResult__Output {
  'modelId': (string);
  'algorithm': (_recflow_v1_Algorithm__Output);
  'users': (number);
  'items': (number);
  'iterations': (number);
  'finalLoss': (number);
  'metrics': ({[key: string]: number});
  'baselineMetrics': ({[key: string]: number});
  'trainSeconds': (number);
  'promotion': (_recflow_v1_Promotion__Output | null);
  'blend': (_recflow_v1_PopularityBlend__Output | null);
  'warnings': (string)[];
}
