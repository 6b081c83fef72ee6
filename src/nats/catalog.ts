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
import type { JetStreamRequests } from "./jetstream-requests.js";
import { unavailableOnTransient } from "./nats-errors.js";
import { isSubjectToken } from "./subjects.js";

export const DATASETS_BUCKET = "recflow-datasets";
export const MODELS_BUCKET = "recflow-models";

/** Size, digest and metadata of a stored payload. */
export interface PayloadInfo {
  size: number;
  digest: string;
  metadata: Record<string, string>;
}

/**
 * An object's info record as the NATS Object Store keeps it (ADR-20): the last message on
 * `$O.<bucket>.M.<base64url of the name, padded>` in stream `OBJ_<bucket>`, JSON.
 */
interface StoredObjectInfo {
  size?: number;
  digest?: string;
  deleted?: boolean;
  metadata?: Record<string, string>;
}

const decoder = new TextDecoder();

/** The meta subject of an object (ADR-20 naming, as nats.js writes them). */
function objectMetaSubject(bucket: string, name: string): string {
  const b64 = Buffer.from(name, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
  return `$O.${bucket}.M.${b64}`;
}

/** A bucket of entries with a protobuf meta object each. */
export class Catalog<MetaIn, MetaOut> {
  readonly #store: ObjectStore;
  readonly #codec: Codec<MetaIn, MetaOut>;
  readonly #direct: { requests: JetStreamRequests; bucket: string } | undefined;

  /** `direct`: read object infos by direct get (any replica) where committedPayload allows it. */
  constructor(store: ObjectStore, codec: Codec<MetaIn, MetaOut>, direct?: { requests: JetStreamRequests; bucket: string }) {
    this.#store = store;
    this.#codec = codec;
    this.#direct = direct;
  }

  static async open<I, O>(broker: Broker, bucket: string, codec: Codec<I, O>, replicas: number): Promise<Catalog<I, O>> {
    const store = await unavailableOnTransient(() => broker.js.views.os(bucket, { storage: StorageType.File, replicas, description: `recflow ${bucket}` }));
    return new Catalog(store, codec, { requests: broker.requests, bucket });
  }

  static key(tenant: string, id: string, part: string): string {
    if (!isSubjectToken(tenant)) throw new Error(`bad tenant ${tenant}`);
    return `${tenant}/${id}/${part}`;
  }

  async meta(tenant: string, id: string): Promise<MetaOut | null> {
    const bytes = await unavailableOnTransient(() => this.#store.getBlob(Catalog.key(tenant, id, "meta")));
    return bytes ? this.#codec.decode(bytes) : null;
  }

  async exists(tenant: string, id: string): Promise<boolean> {
    // info() still answers for a deleted object (with deleted: true).
    const info = await unavailableOnTransient(() => this.#store.info(Catalog.key(tenant, id, "meta")));
    return info !== null && !info.deleted;
  }

  /** Stores a payload from a stream (not yet visible). */
  async putStream(tenant: string, id: string, part: string, data: ReadableStream<Uint8Array>): Promise<number> {
    const info = await unavailableOnTransient(() => this.#store.put({ name: Catalog.key(tenant, id, part) }, data));
    return info.size;
  }

  /** Stores a payload (not yet visible); `metadata` travels with the object's info. */
  async putBlob(tenant: string, id: string, part: string, data: Uint8Array, metadata?: Record<string, string>): Promise<number> {
    const info = await unavailableOnTransient(() => this.#store.putBlob({ name: Catalog.key(tenant, id, part), ...(metadata ? { metadata } : {}) }, data));
    return info.size;
  }

  /** Makes the entry visible. */
  async commit(tenant: string, id: string, meta: MetaIn): Promise<void> {
    await unavailableOnTransient(() => this.#store.putBlob({ name: Catalog.key(tenant, id, "meta") }, this.#codec.encode(meta)));
  }

  async getBlob(tenant: string, id: string, part: string): Promise<Uint8Array | null> {
    return unavailableOnTransient(() => this.#store.getBlob(Catalog.key(tenant, id, part)));
  }

  /**
   * A payload as a stream, for payloads too large to hold twice. `done` settles when the stream
   * was read to the end: it rejects when the data did not match the stored digest.
   */
  async getStream(tenant: string, id: string, part: string): Promise<{ data: ReadableStream<Uint8Array>; done: Promise<void> } | null> {
    const r = await unavailableOnTransient(() => this.#store.get(Catalog.key(tenant, id, part)));
    if (!r || r.info.deleted) return null;
    return { data: r.data, done: r.error.then((e) => { if (e) throw e; }) };
  }

  /** Size, digest and metadata of a payload: lets caches tell a re-uploaded entry from the old one. */
  async payloadInfo(tenant: string, id: string, part: string): Promise<PayloadInfo | null> {
    const info = await unavailableOnTransient(() => this.#store.info(Catalog.key(tenant, id, part)));
    return info && !info.deleted ? { size: info.size, digest: info.digest, metadata: info.metadata ?? {} } : null;
  }

  /**
   * A payload's info if its entry is committed (its meta is there), else null. For entries that
   * are written once and never replaced (models: the id comes from the training task), so any
   * replica's "committed, with this payload" is the truth: both infos are read by direct get in
   * one round trip, the cheap read any replica answers (nats.js's info() goes through the
   * JetStream API on the stream leader: 1.2-1.4 ms for the two on the online Recommend path,
   * against ~0.3 ms this way). Anything else (absent, deleted, an error: a replica may be behind
   * the commit) is asked of the leader, as `exists` + `payloadInfo` would.
   */
  async committedPayload(tenant: string, id: string, part: string): Promise<PayloadInfo | null> {
    if (this.#direct) {
      const [meta, payload] = await Promise.all([this.#directInfo(Catalog.key(tenant, id, "meta")), this.#directInfo(Catalog.key(tenant, id, part))]);
      if (meta && payload) return payload;
    }
    const [exists, payload] = await Promise.all([this.exists(tenant, id), this.payloadInfo(tenant, id, part)]);
    return exists ? payload : null;
  }

  /** An object's info from any replica; undefined unless it is there and not deleted. */
  async #directInfo(name: string): Promise<PayloadInfo | undefined> {
    const { requests, bucket } = this.#direct!;
    try {
      const m = await requests.directGet(`OBJ_${bucket}`, { last_by_subj: objectMetaSubject(bucket, name) });
      const info = JSON.parse(decoder.decode(m.data)) as StoredObjectInfo;
      if (info.deleted || typeof info.size !== "number" || typeof info.digest !== "string") return undefined;
      return { size: info.size, digest: info.digest, metadata: info.metadata ?? {} };
    } catch {
      return undefined; // absent here, or no answer: the leader decides
    }
  }

  /** Removes an entry: meta first (so it disappears at once), then its payloads. */
  async remove(tenant: string, id: string, parts: string[]): Promise<boolean> {
    const existed = await this.exists(tenant, id);
    for (const part of ["meta", ...parts]) {
      await unavailableOnTransient(() => this.#store.delete(Catalog.key(tenant, id, part))).catch((err: unknown) => {
        if (err instanceof UnavailableError) throw err;
        // Already gone: deleting is idempotent.
      });
    }
    return existed;
  }

  /** Ids of the tenant's committed entries, sorted. */
  async ids(tenant: string): Promise<string[]> {
    const prefix = `${tenant}/`;
    const infos: ObjectInfo[] = await unavailableOnTransient(() => this.#store.list());
    return infos
      .filter((i) => !i.deleted && i.name.startsWith(prefix) && i.name.endsWith("/meta"))
      .map((i) => i.name.slice(prefix.length, -"/meta".length))
      .sort();
  }
}

export type DatasetCatalog = Catalog<Dataset, Dataset__Output>;

/**
 * What a worker records on the compiled dataset it writes (object metadata): the digest of the
 * raw text it was compiled from, and its exact shape. GetDataset shows these counts in place of
 * the upload's estimates; the source digest tells a current compiled form from a stale one.
 */
export interface CompiledDatasetInfo {
  source: string;
  users: number;
  items: number;
  interactions: number;
}

export function compiledDatasetMetadata(c: CompiledDatasetInfo): Record<string, string> {
  return { source: c.source, users: String(c.users), items: String(c.items), interactions: String(c.interactions) };
}

/** The compiled dataset's record, or undefined for one the upload itself wrote (before compile-on-first-use). */
export function readCompiledDatasetInfo(metadata: Record<string, string>): CompiledDatasetInfo | undefined {
  if (metadata.source === undefined) return undefined;
  return { source: metadata.source, users: Number(metadata.users), items: Number(metadata.items), interactions: Number(metadata.interactions) };
}
export type ModelCatalog = Catalog<Model, Model__Output>;

export function openDatasetCatalog(broker: Broker, replicas: number): Promise<DatasetCatalog> {
  return Catalog.open(broker, DATASETS_BUCKET, datasetCodec, replicas);
}

export function openModelCatalog(broker: Broker, replicas: number): Promise<ModelCatalog> {
  return Catalog.open(broker, MODELS_BUCKET, modelCodec, replicas);
}
