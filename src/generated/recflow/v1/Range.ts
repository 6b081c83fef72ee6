// Original file: proto/recflow/v1/kinds.proto


export interface Range {
  'min'?: (number | string);
  'max'?: (number | string);
}

export interface Range__Output {
  'min': (number);
  'max': (number);
}
