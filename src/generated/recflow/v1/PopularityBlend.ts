// Original file: proto/recflow/v1/kinds.proto


// Original file: proto/recflow/v1/kinds.proto

export const _recflow_v1_PopularityBlend_ServedAs = {
  SERVED_AS_UNSPECIFIED: 'SERVED_AS_UNSPECIFIED',
  SERVED_AS_MODEL: 'SERVED_AS_MODEL',
  SERVED_AS_BLEND: 'SERVED_AS_BLEND',
  SERVED_AS_POPULARITY: 'SERVED_AS_POPULARITY',
} as const;

export type _recflow_v1_PopularityBlend_ServedAs =
  | 'SERVED_AS_UNSPECIFIED'
  | 0
  | 'SERVED_AS_MODEL'
  | 1
  | 'SERVED_AS_BLEND'
  | 2
  | 'SERVED_AS_POPULARITY'
  | 3

export type _recflow_v1_PopularityBlend_ServedAs__Output = typeof _recflow_v1_PopularityBlend_ServedAs[keyof typeof _recflow_v1_PopularityBlend_ServedAs]

export interface PopularityBlend {
  'servedAs'?: (_recflow_v1_PopularityBlend_ServedAs);
  'weight'?: (number | string);
  'beta'?: (number | string);
  'validationModel'?: (number | string);
  'validationChosen'?: (number | string);
  'validationPopularity'?: (number | string);
}

export interface PopularityBlend__Output {
  'servedAs': (_recflow_v1_PopularityBlend_ServedAs__Output);
  'weight': (number);
  'beta': (number);
  'validationModel': (number);
  'validationChosen': (number);
  'validationPopularity': (number);
}
