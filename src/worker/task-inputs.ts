// What a task needs besides its spec: the compiled dataset and/or the model it names, fetched
// from the Object Store through the worker's artifact cache. A missing dataset or model is a
// permanent failure (NOT_FOUND), never retried.
import type { TaskMessage__Output } from "../generated/recflow/v1/TaskMessage.js";
import { PermanentTaskError } from "../errors.js";
import type { DatasetCatalog, ModelCatalog } from "../nats/index.js";
import type { ArtifactCache, SharedBlob } from "./artifact-cache.js";

export interface TaskInputs {
  dataset?: SharedBlob;
  model?: SharedBlob;
  /** Id under which a TrainModel task stores its model (stable across attempts). */
  modelId?: string;
}

const NOT_FOUND = 5;

/** The model id of a TrainModel task: derived from the task id so a retry overwrites, never duplicates. */
export function modelIdForTask(taskId: string): string {
  return `m_${taskId.slice(2)}`;
}

export class TaskInputResolver {
  readonly #datasets: DatasetCatalog;
  readonly #models: ModelCatalog;
  readonly #cache: ArtifactCache;

  constructor(deps: { datasets: DatasetCatalog; models: ModelCatalog; cache: ArtifactCache }) {
    this.#datasets = deps.datasets;
    this.#models = deps.models;
    this.#cache = deps.cache;
  }

  async resolve(task: TaskMessage__Output): Promise<TaskInputs> {
    const spec = task.spec;
    switch (spec?.kind) {
      case "trainModel":
        return { dataset: await this.#dataset(task.tenant, spec.trainModel!.datasetId), modelId: modelIdForTask(task.taskId) };
      case "recommend":
        return { model: await this.#model(task.tenant, spec.recommend!.modelId) };
      case "similarItems":
        return { model: await this.#model(task.tenant, spec.similarItems!.modelId) };
      case "evaluate":
        return {
          model: await this.#model(task.tenant, spec.evaluate!.modelId),
          dataset: await this.#dataset(task.tenant, spec.evaluate!.datasetId),
        };
      default:
        return {};
    }
  }

  async #dataset(tenant: string, id: string): Promise<SharedBlob> {
    const info = (await this.#datasets.exists(tenant, id)) ? await this.#datasets.payloadInfo(tenant, id, "compiled") : null;
    const blob = info && (await this.#cache.get(`datasets/${tenant}/${id}`, info, () => this.#datasets.getBlob(tenant, id, "compiled")));
    if (!blob) throw new PermanentTaskError(`NOT_FOUND: dataset ${id} does not exist`, { code: NOT_FOUND, reason: "DATASET_NOT_FOUND" });
    return blob;
  }

  async #model(tenant: string, id: string): Promise<SharedBlob> {
    const info = (await this.#models.exists(tenant, id)) ? await this.#models.payloadInfo(tenant, id, "model") : null;
    const blob = info && (await this.#cache.get(`models/${tenant}/${id}`, info, () => this.#models.getBlob(tenant, id, "model")));
    if (!blob) throw new PermanentTaskError(`NOT_FOUND: model ${id} does not exist`, { code: NOT_FOUND, reason: "MODEL_NOT_FOUND" });
    return blob;
  }
}
