// Original file: proto/recflow/v1/datasets.proto

import type { Dataset as _recflow_v1_Dataset, Dataset__Output as _recflow_v1_Dataset__Output } from '../../recflow/v1/Dataset.js';

export interface ListDatasetsResponse {
  'datasets'?: (_recflow_v1_Dataset)[];
  'nextPageToken'?: (string);
}

export interface ListDatasetsResponse__Output {
  'datasets': (_recflow_v1_Dataset__Output)[];
  'nextPageToken': (string);
}
