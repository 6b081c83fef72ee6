// The NATS layer: the only code that knows subjects, headers, streams and consumers.
export { Broker, type BrokerOptions } from "./connection.js";
export { ensureTopology, streamConfigs, workersConsumerConfig, type TopologyOptions } from "./topology.js";
export { EventLog, AppendConflictError, EventTooLargeError, type AppendOptions } from "./event-log.js";
export { EventFeed, FeedEvent, IDLE, OVERFLOW, RESYNC_IDLE_MS, type Tap, type TapHandle, type EventFeedOptions } from "./event-feed.js";
export { watchTaskSet, tenantLastSeq, type TaskSet, type TaskSetWatchDeps } from "./task-set-watch.js";
export { TaskQueue, type TaskDelivery } from "./task-queue.js";
export type { TaskPull } from "./task-pull.js";
export { publishCancel, onCancelSignal, onMaxDeliveries, type MaxDeliveriesAdvisory } from "./signals.js";
export { publishDeadLetter, listDeadLetters, removeDeadLetter, countDeadLetters, type StoredDeadLetter } from "./dead-letters.js";
export { enqueueTask, republishTask } from "./enqueue.js";
export { replayDeadLetter } from "./dead-letter-replay.js";
export { isSubjectToken, TASKS_STREAM, EVENTS_STREAM, DLQ_STREAM, WORKERS_CONSUMER } from "./subjects.js";
export { Catalog, openDatasetCatalog, openModelCatalog, DATASETS_BUCKET, MODELS_BUCKET, type DatasetCatalog, type ModelCatalog } from "./catalog.js";
export { openStores, type Stores } from "./stores.js";
export { ModelAliases, AliasConflictError, isAliasName, MODEL_ALIASES_BUCKET, MAX_ALIAS_HISTORY, type AliasChangeInput } from "./model-aliases.js";
