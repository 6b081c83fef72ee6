// Original file: proto/recflow/v1/kinds.proto

export const SoftmaxOrder = {
  SOFTMAX_ORDER_UNSPECIFIED: 'SOFTMAX_ORDER_UNSPECIFIED',
  SOFTMAX_ORDER_OLDEST_FIRST: 'SOFTMAX_ORDER_OLDEST_FIRST',
  SOFTMAX_ORDER_NEWEST_FIRST: 'SOFTMAX_ORDER_NEWEST_FIRST',
  SOFTMAX_ORDER_NONE: 'SOFTMAX_ORDER_NONE',
} as const;

export type SoftmaxOrder =
  | 'SOFTMAX_ORDER_UNSPECIFIED'
  | 0
  | 'SOFTMAX_ORDER_OLDEST_FIRST'
  | 1
  | 'SOFTMAX_ORDER_NEWEST_FIRST'
  | 2
  | 'SOFTMAX_ORDER_NONE'
  | 3

export type SoftmaxOrder__Output = typeof SoftmaxOrder[keyof typeof SoftmaxOrder]
