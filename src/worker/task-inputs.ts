// What a task needs besides its spec: the compiled dataset and/or the model it names, fetched
// from the Object Store through the worker's artifact cache. A missing dataset or model is a
// permanent failure (NOT_FOUND), never retried. A model named by alias is resolved here, once per
// attempt when it starts; the task reports the model id it used.
import type { TaskMessage__Output } from "../generated/recflow/v1/TaskMessage.js";
import { PermanentTaskError } from "../errors.js";
import type { DatasetCatalog, ModelAliases, ModelCatalog } from "../nats/index.js";
import type { Logger } from "../log.js";
import type { ArtifactCache, SharedBlob } from "./artifact-cache.js";
import { compiledDatasetMetadata, readCompiledDatasetInfo } from "../nats/catalog.js";
import { compileDataset } from "./dataset-compiler.js";

export interface TaskInputs {
  dataset?: SharedBlob;
  model?: SharedBlob;
  /** Id under which a TrainModel / TuneModel task stores its model (stable across attempts). */
  modelId?: string;
  /** The model a Recommend / SimilarItems / Evaluate task reads (its alias resolved when it named one). */
  usedModelId?: string;
  /** TrainModel / TuneModel promote_to: the alias's model when the task started, to score on the new holdout. */
  aliasModel?: { id: string; blob: SharedBlob };
}

const NOT_FOUND = 5;

/** A deleted model reads as absent; any other permanent error (e.g. too large) still fails the task. */
function orNotFound(err: unknown): undefined {
  if (err instanceof PermanentTaskError && err.reason === "MODEL_NOT_FOUND") return undefined;
  throw err;
}

/** The model id of a TrainModel task: derived from the task id so a retry overwrites, never duplicates. */
export function modelIdForTask(taskId: string): string {
  return `m_${taskId.slice(2)}`;
}

export class TaskInputResolver {
  readonly #datasets: DatasetCatalog;
  readonly #models: ModelCatalog;
  readonly #cache: ArtifactCache;
  readonly #aliases: ModelAliases;
  readonly #log: Logger | undefined;

  constructor(deps: { datasets: DatasetCatalog; models: ModelCatalog; aliases: ModelAliases; cache: ArtifactCache; log?: Logger }) {
    this.#log = deps.log;
    this.#datasets = deps.datasets;
    this.#models = deps.models;
    this.#aliases = deps.aliases;
    this.#cache = deps.cache;
  }

  async resolve(task: TaskMessage__Output): Promise<TaskInputs> {
    const spec = task.spec;
    switch (spec?.kind) {
      case "trainModel":
      case "tuneModel": {
        // Both produce a model: the dataset, the model's id, and the alias's model to beat.
        const t = spec.kind === "trainModel" ? spec.trainModel! : spec.tuneModel!;
        const inputs: TaskInputs = { dataset: await this.#dataset(task.tenant, t.datasetId), modelId: modelIdForTask(task.taskId) };
        if (t.promoteTo) {
          // A model the alias names but that was deleted cannot be scored: the promotion then
          // compares with popularity, and a better model repairs the alias.
          const current = await this.#aliases.get(task.tenant, t.promoteTo);
          const blob = current ? await this.#model(task.tenant, current.modelId).catch(orNotFound) : undefined;
          if (current && blob) inputs.aliasModel = { id: current.modelId, blob };
        }
        return inputs;
      }
      case "recommend": {
        const id = await this.#modelIdOf(task.tenant, spec.recommend!);
        return { model: await this.#model(task.tenant, id), usedModelId: id };
      }
      case "similarItems": {
        const id = await this.#modelIdOf(task.tenant, spec.similarItems!);
        return { model: await this.#model(task.tenant, id), usedModelId: id };
      }
      case "evaluate": {
        const id = await this.#modelIdOf(task.tenant, spec.evaluate!);
        return { model: await this.#model(task.tenant, id), dataset: await this.#dataset(task.tenant, spec.evaluate!.datasetId), usedModelId: id };
      }
      default:
        return {};
    }
  }

  /**
   * The model id a task names, directly or by alias. The gateway refuses an unknown alias at
   * submit; one missing here (the store was purged) fails the task for good: ALIAS_NOT_FOUND.
   */
  async #modelIdOf(tenant: string, ref: { modelId: string; alias: string }): Promise<string> {
    if (!ref.alias) return ref.modelId;
    const alias = await this.#aliases.get(tenant, ref.alias);
    if (!alias) throw new PermanentTaskError(`NOT_FOUND: alias ${ref.alias} does not exist`, { code: NOT_FOUND, reason: "ALIAS_NOT_FOUND" });
    return alias.modelId;
  }

  /**
   * The compiled dataset: from the cache, else from the Object Store, else compiled here from the
   * raw text (its first use) and written back. Cached under the raw text's digest, so the copy a
   * worker compiled and the one another worker later fetches are the same cache entry.
   */
  async #dataset(tenant: string, id: string): Promise<SharedBlob> {
    const notFound = (): PermanentTaskError => new PermanentTaskError(`NOT_FOUND: dataset ${id} does not exist`, { code: NOT_FOUND, reason: "DATASET_NOT_FOUND" });
    // The three reads at once (one round trip, not two): the metadata is written last and deleted
    // first, so "exists" with its payloads' info read alongside is what sequential reads would give.
    const [exists, raw, compiled] = await Promise.all([
      this.#datasets.exists(tenant, id), this.#datasets.payloadInfo(tenant, id, "raw"), this.#datasets.payloadInfo(tenant, id, "compiled"),
    ]);
    if (!exists) throw notFound();
    const name = `datasets/${tenant}/${id}`;
    // Datasets uploaded before compile-on-first-use have a compiled form without a source: it was
    // written by the upload itself, from the same raw text.
    const record = compiled ? readCompiledDatasetInfo(compiled.metadata) : undefined;
    if (compiled && (record === undefined || record.source === raw?.digest)) {
      const digest = record?.source ?? compiled.digest;
      const blob = await this.#cache.get(name, { size: compiled.size, digest }, () => this.#datasets.getBlob(tenant, id, "compiled"));
      if (blob) return blob;
    }
    if (!raw) throw notFound();
    // The raw size is what the budget can check before compiling; the compiled form is of the
    // same order (see docs/operations.md, "Sizing workers").
    const blob = await this.#cache.get(name, { size: raw.size, digest: raw.digest }, () => this.#compile(tenant, id, raw.digest));
    if (!blob) throw notFound();
    return blob;
  }

  /**
   * Compiles the raw text and stores the result. Two workers may compile the same dataset at
   * once: both produce the same bytes (the build is deterministic), so whichever write lands last
   * is right; the second skips its write when it sees the first's.
   */
  async #compile(tenant: string, id: string, rawDigest: string): Promise<Uint8Array | null> {
    const source = await this.#datasets.getStream(tenant, id, "raw");
    if (!source) return null;
    const started = Date.now();
    const { compiled, stats } = await compileDataset(source.data, id);
    await source.done;
    const now = await this.#datasets.payloadInfo(tenant, id, "compiled");
    if (!now || readCompiledDatasetInfo(now.metadata)?.source !== rawDigest) {
      await this.#datasets.putBlob(tenant, id, "compiled", compiled, compiledDatasetMetadata({ source: rawDigest, ...stats }));
    }
    this.#log?.info({ tenant, datasetId: id, rows: stats.rows, interactions: stats.interactions, compiledBytes: compiled.byteLength, ms: Date.now() - started }, "dataset compiled");
    return compiled;
  }

  async #model(tenant: string, id: string): Promise<SharedBlob> {
    // One round trip of direct gets (committedPayload): on the online path (one user's Recommend)
    // each round trip before the job starts is latency the caller waits for. A model is
    // committed by its metadata, written last, and never rewritten after that.
    const info = await this.#models.committedPayload(tenant, id, "model");
    const blob = info && (await this.#cache.get(`models/${tenant}/${id}`, info, () => this.#models.getBlob(tenant, id, "model")));
    if (!blob) throw new PermanentTaskError(`NOT_FOUND: model ${id} does not exist`, { code: NOT_FOUND, reason: "MODEL_NOT_FOUND" });
    return blob;
  }
}
