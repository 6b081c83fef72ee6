// Original file: proto/recflow/v1/models.proto

import type { ModelAlias as _recflow_v1_ModelAlias, ModelAlias__Output as _recflow_v1_ModelAlias__Output } from '../../recflow/v1/ModelAlias.js';

export interface ListModelAliasesResponse {
  'aliases'?: (_recflow_v1_ModelAlias)[];
  'nextPageToken'?: (string);
}

export interface ListModelAliasesResponse__Output {
  'aliases': (_recflow_v1_ModelAlias__Output)[];
  'nextPageToken': (string);
}
