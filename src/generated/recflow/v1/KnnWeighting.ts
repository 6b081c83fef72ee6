// Original file: proto/recflow/v1/kinds.proto

export const KnnWeighting = {
  KNN_WEIGHTING_UNSPECIFIED: 'KNN_WEIGHTING_UNSPECIFIED',
  KNN_WEIGHTING_LOG_BM25: 'KNN_WEIGHTING_LOG_BM25',
  KNN_WEIGHTING_BM25: 'KNN_WEIGHTING_BM25',
  KNN_WEIGHTING_LOG: 'KNN_WEIGHTING_LOG',
  KNN_WEIGHTING_NONE: 'KNN_WEIGHTING_NONE',
} as const;

export type KnnWeighting =
  | 'KNN_WEIGHTING_UNSPECIFIED'
  | 0
  | 'KNN_WEIGHTING_LOG_BM25'
  | 1
  | 'KNN_WEIGHTING_BM25'
  | 2
  | 'KNN_WEIGHTING_LOG'
  | 3
  | 'KNN_WEIGHTING_NONE'
  | 4

export type KnnWeighting__Output = typeof KnnWeighting[keyof typeof KnnWeighting]
