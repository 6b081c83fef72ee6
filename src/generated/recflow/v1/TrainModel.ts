// Original file: proto/recflow/v1/kinds.proto

import type { Algorithm as _recflow_v1_Algorithm, Algorithm__Output as _recflow_v1_Algorithm__Output } from '../../recflow/v1/Algorithm.js';
import type { AlsParams as _recflow_v1_AlsParams, AlsParams__Output as _recflow_v1_AlsParams__Output } from '../../recflow/v1/AlsParams.js';
import type { KnnParams as _recflow_v1_KnnParams, KnnParams__Output as _recflow_v1_KnnParams__Output } from '../../recflow/v1/KnnParams.js';
import type { SoftmaxParams as _recflow_v1_SoftmaxParams, SoftmaxParams__Output as _recflow_v1_SoftmaxParams__Output } from '../../recflow/v1/SoftmaxParams.js';
import type { Long } from '@grpc/proto-loader';

export interface TrainModel {
  'datasetId'?: (string);
  'algorithm'?: (_recflow_v1_Algorithm);
  'als'?: (_recflow_v1_AlsParams | null);
  'knn'?: (_recflow_v1_KnnParams | null);
  'evaluate'?: (boolean);
  'evalK'?: (number);
  'seed'?: (number | string | Long);
  'promoteTo'?: (string);
  'noPopularityBlend'?: (boolean);
  'softmax'?: (_recflow_v1_SoftmaxParams | null);
}

export interface TrainModel__Output {
  'datasetId': (string);
  'algorithm': (_recflow_v1_Algorithm__Output);
  'als': (_recflow_v1_AlsParams__Output | null);
  'knn': (_recflow_v1_KnnParams__Output | null);
  'evaluate': (boolean);
  'evalK': (number);
  'seed': (number);
  'promoteTo': (string);
  'noPopularityBlend': (boolean);
  'softmax': (_recflow_v1_SoftmaxParams__Output | null);
}
