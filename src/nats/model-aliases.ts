// Model aliases in a JetStream KV bucket: one key "<tenant>.<alias>" whose value is a protobuf
// ModelAlias carrying its own history (newest first, capped). Every change is a compare-and-set
// on the key's revision, so of two concurrent changes read at the same revision exactly one is
// stored; the history travels in the same write, so it can never disagree with the current value.
import { StorageType, type KV } from "nats";
import { modelAliasCodec } from "../api/codec.js";
import { toTimestamp } from "../api/task-model.js";
import type { ModelAlias__Output } from "../generated/recflow/v1/ModelAlias.js";
import type { ModelAliasChange } from "../generated/recflow/v1/ModelAliasChange.js";
import { ConflictError } from "../errors.js";
import type { Broker } from "./connection.js";
import { WRONG_LAST_SEQUENCE, isApiError, unavailableOnTransient } from "./nats-errors.js";
import { isSubjectToken } from "./subjects.js";

export const MODEL_ALIASES_BUCKET = "recflow-model-aliases";

/** Alias names: what users type in CLIs and configs, and one KV key token. */
const ALIAS_NAME = /^[a-z0-9-]{1,63}$/;
/** Changes kept per alias: enough to roll back weeks of nightly promotions. */
export const MAX_ALIAS_HISTORY = 100;
/** Unconditional sets re-read and retry this often when other changes keep winning. */
const MAX_UNCONDITIONAL_ATTEMPTS = 8;

export function isAliasName(name: string): boolean {
  return ALIAS_NAME.test(name);
}

/** The alias moved since the caller read it: `current` is what it is now (null: it does not exist). */
export class AliasConflictError extends ConflictError {
  override name = "AliasConflictError";
  readonly current: ModelAlias__Output | null;
  constructor(message: string, current: ModelAlias__Output | null) {
    super(message);
    this.current = current;
  }
}

/** One change to store: the new model and, for a promotion, the task and both scores. */
export interface AliasChangeInput {
  modelId: string;
  taskId?: string;
  metric?: string;
  score?: number;
  previousScore?: number;
}

export class ModelAliases {
  readonly #kv: KV;

  private constructor(kv: KV) {
    this.#kv = kv;
  }

  /** Opens the bucket, creating it if needed (idempotent, like the streams in topology.ts). */
  static async open(broker: Broker, replicas: number): Promise<ModelAliases> {
    // history 1: the value carries the alias's history itself, so older revisions are dead weight.
    const kv = await unavailableOnTransient(() => broker.js.views.kv(MODEL_ALIASES_BUCKET, { history: 1, replicas, storage: StorageType.File, description: "recflow model aliases" }));
    return new ModelAliases(kv);
  }

  static key(tenant: string, name: string): string {
    if (!isSubjectToken(tenant)) throw new Error(`bad tenant ${tenant}`);
    if (!isAliasName(name)) throw new Error(`bad alias name ${name}`);
    return `${tenant}.${name}`;
  }

  /** The alias with its revision and history, or null when the tenant has no such alias. */
  async get(tenant: string, name: string): Promise<ModelAlias__Output | null> {
    const e = await unavailableOnTransient(() => this.#kv.get(ModelAliases.key(tenant, name)));
    if (!e || e.operation !== "PUT" || e.value.length === 0) return null;
    return { ...modelAliasCodec.decode(e.value), revision: e.revision };
  }

  /** The tenant's aliases, sorted by name. */
  async list(tenant: string): Promise<ModelAlias__Output[]> {
    if (!isSubjectToken(tenant)) throw new Error(`bad tenant ${tenant}`);
    const names: string[] = [];
    const keys = await unavailableOnTransient(() => this.#kv.keys(`${tenant}.*`));
    for await (const k of keys) names.push(k.slice(tenant.length + 1));
    names.sort();
    const all = await Promise.all(names.map((n) => this.get(tenant, n)));
    return all.filter((a) => a !== null);
  }

  /**
   * Points the alias at `change.modelId`. With `expectedRevision` the write happens only if the
   * alias is still at that revision (0: only if it does not exist), else AliasConflictError.
   * Without it, the change is applied to whatever the alias is now (re-read on conflict).
   */
  async set(tenant: string, name: string, change: AliasChangeInput, expectedRevision?: number): Promise<ModelAlias__Output> {
    const key = ModelAliases.key(tenant, name);
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(tenant, name);
      const currentRevision = current?.revision ?? 0;
      if (expectedRevision !== undefined && expectedRevision !== currentRevision) {
        throw new AliasConflictError(`alias ${name} is at revision ${currentRevision}, not ${expectedRevision}`, current);
      }
      const now = toTimestamp(Date.now());
      const entry: ModelAliasChange = {
        modelId: change.modelId, previousModelId: current?.modelId ?? "", setTime: now, taskId: change.taskId ?? "",
        metric: change.metric ?? "", score: change.score ?? 0, previousScore: change.previousScore ?? 0,
      };
      const history = [entry, ...(current?.history ?? [])].slice(0, MAX_ALIAS_HISTORY);
      const value = modelAliasCodec.encode({ name, modelId: change.modelId, revision: 0, updateTime: now, history });
      try {
        // previousSeq 0 means "the key has no value yet": create-only. Aliases are never deleted,
        // so a key once written always has a PUT as its last entry.
        const revision = await unavailableOnTransient(() => this.#kv.put(key, value, { previousSeq: currentRevision }));
        return { ...modelAliasCodec.decode(value), revision };
      } catch (err) {
        if (!isApiError(err, WRONG_LAST_SEQUENCE)) throw err;
        // Another change landed between our read and write.
        if (expectedRevision !== undefined || attempt >= MAX_UNCONDITIONAL_ATTEMPTS) {
          throw new AliasConflictError(`alias ${name} changed concurrently`, await this.get(tenant, name));
        }
      }
    }
  }
}
