// Original file: proto/recflow/v1/models.proto

import type { Model as _recflow_v1_Model, Model__Output as _recflow_v1_Model__Output } from '../../recflow/v1/Model.js';

export interface ListModelsResponse {
  'models'?: (_recflow_v1_Model)[];
  'nextPageToken'?: (string);
}

export interface ListModelsResponse__Output {
  'models': (_recflow_v1_Model__Output)[];
  'nextPageToken': (string);
}
