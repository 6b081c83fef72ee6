// Original file: proto/recflow/v1/tasks.proto

export const TaskKind = {
  TASK_KIND_UNSPECIFIED: 'TASK_KIND_UNSPECIFIED',
  TASK_KIND_TRAIN_MODEL: 'TASK_KIND_TRAIN_MODEL',
  TASK_KIND_RECOMMEND: 'TASK_KIND_RECOMMEND',
  TASK_KIND_SIMILAR_ITEMS: 'TASK_KIND_SIMILAR_ITEMS',
  TASK_KIND_EVALUATE: 'TASK_KIND_EVALUATE',
  TASK_KIND_PROBE: 'TASK_KIND_PROBE',
} as const;

export type TaskKind =
  | 'TASK_KIND_UNSPECIFIED'
  | 0
  | 'TASK_KIND_TRAIN_MODEL'
  | 1
  | 'TASK_KIND_RECOMMEND'
  | 2
  | 'TASK_KIND_SIMILAR_ITEMS'
  | 3
  | 'TASK_KIND_EVALUATE'
  | 4
  | 'TASK_KIND_PROBE'
  | 5

export type TaskKind__Output = typeof TaskKind[keyof typeof TaskKind]
