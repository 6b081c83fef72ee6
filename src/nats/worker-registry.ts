// Who is working: every worker process puts a small record of itself (id, host, pid, slots, how
// many tasks it runs, version) into a KV bucket every few seconds, and the dashboard lists the
// bucket. The bucket's TTL is three heartbeats, so a worker that dies without a word (SIGKILL,
// a lost node) drops out of the list by itself; one that stops cleanly deletes its record.
// Records hold counts only, never task ids or anything of a tenant: workers are shared.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { StorageType, type KV } from "nats";
import type { Logger } from "../log.js";
import type { Broker } from "./connection.js";
import { unavailableOnTransient } from "./nats-errors.js";

export const WORKERS_BUCKET = "recflow-workers";
/** How often a worker re-puts its record. */
export const WORKER_HEARTBEAT_MS = 5_000;
/** Heartbeats a record outlives its last put by: a worker missing this many is gone. */
const TTL_HEARTBEATS = 3;

export interface WorkerRecord {
  workerId: string;
  host: string;
  pid: number;
  /** Tasks it holds at most (threads + prefetch) and how many of those it holds now. */
  slotsTotal: number;
  slotsBusy: number;
  /** Tasks it has pulled and not finished (computing, or writing their outcome). */
  tasksRunning: number;
  version: string;
  /** ISO 8601. */
  startedAt: string;
  updatedAt: string;
  /** Stopping: it pulls no new tasks and finishes the ones it has. */
  draining: boolean;
}

/** The worker's load, asked at every heartbeat. */
export interface WorkerLoad {
  slotsBusy: number;
  tasksRunning: number;
}

function packageVersion(): string {
  try {
    // src/nats/ and dist/nats/ both sit two levels under package.json (the image copies it too).
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

/** A KV key for any worker id: ids that are already valid keys stay readable. */
export function workerKey(workerId: string): string {
  return /^[\w=-]+(\.[\w=-]+)*$/.test(workerId) ? workerId : `b64.${Buffer.from(workerId).toString("base64url")}`;
}

/**
 * Opens the bucket, creating it if needed. Memory storage: the records are rewritten every few
 * seconds, so a broker restart loses nothing a heartbeat does not put back.
 */
export function openWorkersBucket(broker: Broker, opts: { replicas: number; heartbeatMs?: number }): Promise<KV> {
  const ttl = TTL_HEARTBEATS * (opts.heartbeatMs ?? WORKER_HEARTBEAT_MS);
  return unavailableOnTransient(() => broker.js.views.kv(WORKERS_BUCKET, { history: 1, ttl, replicas: opts.replicas, storage: StorageType.Memory, description: "recflow workers: one record per live worker process" }));
}

export interface RegistrationOptions {
  workerId: string;
  slotsTotal: number;
  load: () => WorkerLoad;
  log: Logger;
  replicas: number;
  /** @default WORKER_HEARTBEAT_MS */
  heartbeatMs?: number;
}

/** One worker's record, kept fresh until stop(). */
export class WorkerRegistration {
  readonly #broker: Broker;
  #kv: KV | undefined;
  readonly #key: string;
  readonly #opts: RegistrationOptions;
  readonly #base: Omit<WorkerRecord, "slotsBusy" | "tasksRunning" | "updatedAt" | "draining">;
  readonly #stop = new AbortController();
  #draining = false;
  #loop: Promise<void> | undefined;
  #lastError = "";

  private constructor(broker: Broker, opts: RegistrationOptions) {
    this.#broker = broker;
    this.#opts = opts;
    this.#key = workerKey(opts.workerId);
    this.#base = { workerId: opts.workerId, host: hostname(), pid: process.pid, slotsTotal: opts.slotsTotal, version: packageVersion(), startedAt: new Date().toISOString() };
  }

  /**
   * Puts the first record (so the worker is listed once started) and keeps it fresh. Never
   * fails: a broker that cannot take the record now (or create the bucket) gets it at a later
   * heartbeat, and the worker works meanwhile.
   */
  static async start(broker: Broker, opts: RegistrationOptions): Promise<WorkerRegistration> {
    const r = new WorkerRegistration(broker, opts);
    await r.#beatOnce();
    r.#loop = r.#beat(r.#stop.signal);
    return r;
  }

  record(): WorkerRecord {
    return { ...this.#base, ...this.#opts.load(), updatedAt: new Date().toISOString(), draining: this.#draining };
  }

  async #beatOnce(): Promise<void> {
    try {
      this.#kv ??= await openWorkersBucket(this.#broker, { replicas: this.#opts.replicas, heartbeatMs: this.#opts.heartbeatMs });
      await this.#kv.put(this.#key, JSON.stringify(this.record()));
      this.#lastError = "";
    } catch (err) {
      // A missed beat is harmless until three are missed; say so once, not every 5 s.
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.#lastError) this.#opts.log.warn({ err }, "worker registry heartbeat failed; retrying");
      this.#lastError = message;
    }
  }

  async #beat(signal: AbortSignal): Promise<void> {
    const every = this.#opts.heartbeatMs ?? WORKER_HEARTBEAT_MS;
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, every);
        signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
      });
      if (!signal.aborted) await this.#beatOnce();
    }
  }

  /** Shown now and at every later heartbeat: the worker pulls nothing new. */
  async markDraining(): Promise<void> {
    this.#draining = true;
    await this.#beatOnce();
  }

  /** Stops the heartbeat and deletes the record (best effort: the TTL removes it anyway). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#kv?.delete(this.#key).catch((err: unknown) => this.#opts.log.warn({ err }, "could not delete the worker's registry record; it expires by itself"));
  }
}

/** The live workers, by id: what the dashboard's Workers page lists. */
export class WorkerDirectory {
  readonly #kv: KV;

  private constructor(kv: KV) {
    this.#kv = kv;
  }

  static async open(broker: Broker, opts: { replicas: number; heartbeatMs?: number }): Promise<WorkerDirectory> {
    return new WorkerDirectory(await openWorkersBucket(broker, opts));
  }

  async list(): Promise<WorkerRecord[]> {
    const keys: string[] = [];
    for await (const k of await unavailableOnTransient(() => this.#kv.keys())) keys.push(k);
    // No age check of our own: the server's TTL is the one clock, where the workers' and the
    // dashboard's clocks may disagree.
    const records = await Promise.all(keys.map(async (k) => {
      const e = await unavailableOnTransient(() => this.#kv.get(k));
      if (!e || e.operation !== "PUT" || e.value.length === 0) return undefined;
      try {
        return JSON.parse(new TextDecoder().decode(e.value)) as WorkerRecord;
      } catch {
        return undefined;
      }
    }));
    return records.filter((r): r is WorkerRecord => r !== undefined).sort((a, b) => a.workerId.localeCompare(b.workerId));
  }
}
