// Original file: proto/recflow/v1/models.proto


export interface DeleteModelResponse {
}

export interface DeleteModelResponse__Output {
}
