// Original file: proto/recflow/v1/datasets.proto


export interface DeleteDatasetResponse {
}

export interface DeleteDatasetResponse__Output {
}
