// Datasets and models in JetStream Object Store buckets. Each entry is a few objects under
// "<tenant>/<id>/": the payload(s) and a "meta" object (a protobuf Dataset or Model) written
// LAST, as the commit marker: an entry without meta is invisible, so an upload that fails half
// way never shows up, and its pieces are deleted.
import { StorageType, type ObjectInfo, type ObjectStore } from "nats";
import { datasetCodec, modelCodec, type Codec } from "../api/codec.js";
import type { Dataset, Dataset__Output } from "../generated/recflow/v1/Dataset.js";
import type { Model, Model__Output } from "../generated/recflow/v1/Model.js";
import { UnavailableError } from "../errors.js";
import type { Broker } from "./connection.js";
import { isTransient } from "./nats-errors.js";
import { isSubjectToken } from "./subjects.js";

export const DATASETS_BUCKET = "recflow-datasets";
export const MODELS_BUCKET = "recflow-models";

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isTransient(err)) throw UnavailableError.from(err);
    throw err;
  }
}

/** A bucket of entries with a protobuf meta object each. */
export class Catalog<MetaIn, MetaOut> {
  readonly #store: ObjectStore;
  readonly #codec: Codec<MetaIn, MetaOut>;

  constructor(store: ObjectStore, codec: Codec<MetaIn, MetaOut>) {
    this.#store = store;
    this.#codec = codec;
  }

  static async open<I, O>(broker: Broker, bucket: string, codec: Codec<I, O>, replicas: number): Promise<Catalog<I, O>> {
    const store = await guard(() => broker.js.views.os(bucket, { storage: StorageType.File, replicas, description: `recflow ${bucket}` }));
    return new Catalog(store, codec);
  }

  static key(tenant: string, id: string, part: string): string {
    if (!isSubjectToken(tenant)) throw new Error(`bad tenant ${tenant}`);
    return `${tenant}/${id}/${part}`;
  }

  async meta(tenant: string, id: string): Promise<MetaOut | null> {
    const bytes = await guard(() => this.#store.getBlob(Catalog.key(tenant, id, "meta")));
    return bytes ? this.#codec.decode(bytes) : null;
  }

  async exists(tenant: string, id: string): Promise<boolean> {
    // info() still answers for a deleted object (with deleted: true).
    const info = await guard(() => this.#store.info(Catalog.key(tenant, id, "meta")));
    return info !== null && !info.deleted;
  }

  /** Stores a payload from a stream (not yet visible). */
  async putStream(tenant: string, id: string, part: string, data: ReadableStream<Uint8Array>): Promise<number> {
    const info = await guard(() => this.#store.put({ name: Catalog.key(tenant, id, part) }, data));
    return info.size;
  }

  /** Stores a payload (not yet visible). */
  async putBlob(tenant: string, id: string, part: string, data: Uint8Array): Promise<number> {
    const info = await guard(() => this.#store.putBlob({ name: Catalog.key(tenant, id, part) }, data));
    return info.size;
  }

  /** Makes the entry visible. */
  async commit(tenant: string, id: string, meta: MetaIn): Promise<void> {
    await guard(() => this.#store.putBlob({ name: Catalog.key(tenant, id, "meta") }, this.#codec.encode(meta)));
  }

  async getBlob(tenant: string, id: string, part: string): Promise<Uint8Array | null> {
    return guard(() => this.#store.getBlob(Catalog.key(tenant, id, part)));
  }

  /** Size and digest of a payload: lets caches tell a re-uploaded entry from the old one. */
  async payloadInfo(tenant: string, id: string, part: string): Promise<{ size: number; digest: string } | null> {
    const info = await guard(() => this.#store.info(Catalog.key(tenant, id, part)));
    return info && !info.deleted ? { size: info.size, digest: info.digest } : null;
  }

  /** Removes an entry: meta first (so it disappears at once), then its payloads. */
  async remove(tenant: string, id: string, parts: string[]): Promise<boolean> {
    const existed = await this.exists(tenant, id);
    for (const part of ["meta", ...parts]) {
      await guard(() => this.#store.delete(Catalog.key(tenant, id, part))).catch((err: unknown) => {
        if (err instanceof UnavailableError) throw err;
        // Already gone: deleting is idempotent.
      });
    }
    return existed;
  }

  /** Ids of the tenant's committed entries, sorted. */
  async ids(tenant: string): Promise<string[]> {
    const prefix = `${tenant}/`;
    const infos: ObjectInfo[] = await guard(() => this.#store.list());
    return infos
      .filter((i) => !i.deleted && i.name.startsWith(prefix) && i.name.endsWith("/meta"))
      .map((i) => i.name.slice(prefix.length, -"/meta".length))
      .sort();
  }
}

export type DatasetCatalog = Catalog<Dataset, Dataset__Output>;
export type ModelCatalog = Catalog<Model, Model__Output>;

export function openDatasetCatalog(broker: Broker, replicas: number): Promise<DatasetCatalog> {
  return Catalog.open(broker, DATASETS_BUCKET, datasetCodec, replicas);
}

export function openModelCatalog(broker: Broker, replicas: number): Promise<ModelCatalog> {
  return Catalog.open(broker, MODELS_BUCKET, modelCodec, replicas);
}
