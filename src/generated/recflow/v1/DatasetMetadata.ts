// Original file: proto/recflow/v1/datasets.proto


export interface DatasetMetadata {
  'datasetId'?: (string);
  'displayName'?: (string);
  'labels'?: ({[key: string]: string});
}

export interface DatasetMetadata__Output {
  'datasetId': (string);
  'displayName': (string);
  'labels': ({[key: string]: string});
}
