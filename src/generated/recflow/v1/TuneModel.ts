// Original file: proto/recflow/v1/kinds.proto

import type { SearchSpace as _recflow_v1_SearchSpace, SearchSpace__Output as _recflow_v1_SearchSpace__Output } from '../../recflow/v1/SearchSpace.js';
import type { Long } from '@grpc/proto-loader';

export interface TuneModel {
  'datasetId'?: (string);
  'space'?: (_recflow_v1_SearchSpace | null);
  'maxTrials'?: (number);
  'timeBudgetSeconds'?: (number);
  'evalK'?: (number);
  'seed'?: (number | string | Long);
  'promoteTo'?: (string);
}

export interface TuneModel__Output {
  'datasetId': (string);
  'space': (_recflow_v1_SearchSpace__Output | null);
  'maxTrials': (number);
  'timeBudgetSeconds': (number);
  'evalK': (number);
  'seed': (number);
  'promoteTo': (string);
}
