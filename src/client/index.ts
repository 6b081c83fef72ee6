// Public surface of the typed client (`import { RecflowClient } from "recflow/client"`).
export { RecflowClient, MAX_BATCH_SUBMIT, MAX_WATCH_IDS } from "./recflow-client.js";
export type { CallOptions, SubmitOptions, WatchOptions, WatchManySelection, RunManyOptions, UploadOptions } from "./recflow-client.js";
export type { RecflowClientOptions } from "./options.js";
export { RecflowError, GatewayUnavailableError, TlsHandshakeError, AuthenticationError, TaskFailedError, TaskCancelledError, codeName } from "./errors.js";
export type { TaskRun, Recommendations, SimilarItemsAnswer } from "./task-run.js";
export { isTerminalEvent } from "./task-run.js";
export type { DatasetRow } from "./dataset-rows.js";
export type { TaskSpec } from "../generated/recflow/v1/TaskSpec.js";
export type { Task__Output as Task } from "../generated/recflow/v1/Task.js";
export type { TaskEvent__Output as TaskEvent } from "../generated/recflow/v1/TaskEvent.js";
export type { TaskResult__Output as TaskResult } from "../generated/recflow/v1/TaskResult.js";
export type { Recommend } from "../generated/recflow/v1/Recommend.js";
export type { SimilarItems } from "../generated/recflow/v1/SimilarItems.js";
