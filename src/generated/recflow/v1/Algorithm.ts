// Original file: proto/recflow/v1/kinds.proto

export const Algorithm = {
  ALGORITHM_UNSPECIFIED: 'ALGORITHM_UNSPECIFIED',
  ALGORITHM_ALS: 'ALGORITHM_ALS',
  ALGORITHM_ITEM_KNN: 'ALGORITHM_ITEM_KNN',
  ALGORITHM_POPULARITY: 'ALGORITHM_POPULARITY',
  ALGORITHM_SEQUENTIAL_SOFTMAX: 'ALGORITHM_SEQUENTIAL_SOFTMAX',
} as const;

export type Algorithm =
  | 'ALGORITHM_UNSPECIFIED'
  | 0
  | 'ALGORITHM_ALS'
  | 1
  | 'ALGORITHM_ITEM_KNN'
  | 2
  | 'ALGORITHM_POPULARITY'
  | 3
  | 'ALGORITHM_SEQUENTIAL_SOFTMAX'
  | 4

export type Algorithm__Output = typeof Algorithm[keyof typeof Algorithm]
