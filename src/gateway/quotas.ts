// Per-tenant limits enforced by a gateway: a submit token bucket, open watches, and queued tasks.
// Rate and watches are counted per gateway (so N gateways admit up to N × the rate); the queued
// count is read from the work queue itself, so it holds across all gateways, refreshed at most
// every QUEUED_REFRESH_MS and topped up with what this gateway admitted since.
import { ResourceExhaustedError } from "../errors.js";
import type { Authenticator } from "./auth.js";

const QUEUED_REFRESH_MS = 500;

interface Bucket {
  tokens: number;
  at: number;
}

interface QueuedCount {
  count: number;
  at: number;
  admittedSince: number;
  refreshing?: Promise<void>;
}

export class TenantQuotas {
  readonly #auth: Authenticator;
  readonly #countQueued: (tenant: string) => Promise<number>;
  readonly #buckets = new Map<string, Bucket>();
  readonly #watches = new Map<string, number>();
  readonly #queued = new Map<string, QueuedCount>();

  constructor(auth: Authenticator, countQueued: (tenant: string) => Promise<number>) {
    this.#auth = auth;
    this.#countQueued = countQueued;
  }

  /** Takes one submit token or throws RESOURCE_EXHAUSTED saying when the next one is due. */
  takeSubmit(tenant: string, now = Date.now()): void {
    const b = this.#bucket(tenant, now);
    if (b.tokens < 1) throw this.submitRefusal(tenant, now);
    b.tokens -= 1;
  }

  /**
   * What a submit refused by the rate is told: when the next token is due. A batch entry over the
   * rate gets it too, so it reads as the same entry sent alone by SubmitTask would.
   */
  submitRefusal(tenant: string, now = Date.now()): ResourceExhaustedError {
    const rate = this.#auth.limitsOf(tenant).submitRatePerSec;
    const retryAfterMs = Math.max(1, Math.ceil(((1 - this.#bucket(tenant, now).tokens) * 1000) / rate));
    return new ResourceExhaustedError(`tenant ${tenant} is over its submit rate of ${rate}/s; retry in ${retryAfterMs} ms`, { retryAfterMs });
  }

  /** The tenant's token bucket, refilled up to `now`. */
  #bucket(tenant: string, now: number): Bucket {
    const { submitRatePerSec: rate, submitBurst: burst } = this.#auth.limitsOf(tenant);
    const b = this.#buckets.get(tenant) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000);
    b.at = now;
    this.#buckets.set(tenant, b);
    return b;
  }

  /**
   * Takes up to `wanted` submit tokens at once (a batch: each task is one submit); returns how
   * many were taken (maybe 0). With `partial` false it takes all or none, and throws when it cannot.
   */
  takeSubmits(tenant: string, wanted: number, partial: boolean, now = Date.now()): number {
    const { submitRatePerSec: rate, submitBurst: burst } = this.#auth.limitsOf(tenant);
    const b = this.#bucket(tenant, now);
    const granted = Math.max(0, Math.min(wanted, Math.floor(b.tokens)));
    if (granted < wanted && !partial) {
      const retryAfterMs = Math.ceil(((wanted - b.tokens) * 1000) / rate);
      throw new ResourceExhaustedError(`tenant ${tenant} is over its submit rate of ${rate}/s (burst ${burst}) for ${wanted} tasks; retry in ${retryAfterMs} ms`, { retryAfterMs });
    }
    b.tokens -= granted;
    return granted;
  }

  /** Admits one more queued task, or throws RESOURCE_EXHAUSTED when the tenant is at its limit. */
  async admitQueued(tenant: string): Promise<void> {
    await this.admitQueuedMany(tenant, 1, false);
  }

  /**
   * Admits up to `wanted` more queued tasks; returns how many (maybe 0). With `partial` false it
   * admits all or none, and throws RESOURCE_EXHAUSTED when they do not all fit.
   */
  async admitQueuedMany(tenant: string, wanted: number, partial: boolean): Promise<number> {
    const max = this.#auth.limitsOf(tenant).maxQueuedTasks;
    let q = this.#queued.get(tenant);
    if (!q || Date.now() - q.at > QUEUED_REFRESH_MS) {
      q ??= { count: 0, at: 0, admittedSince: 0 };
      this.#queued.set(tenant, q);
      const entry = q;
      entry.refreshing ??= this.#countQueued(tenant).then((count) => {
        entry.count = count;
        entry.at = Date.now();
        entry.admittedSince = 0;
      }).finally(() => {
        entry.refreshing = undefined;
      });
      await entry.refreshing;
    }
    const room = Math.max(0, max - q.count - q.admittedSince);
    const admitted = Math.min(wanted, room);
    if (admitted < wanted && !partial) {
      if (room === 0) throw this.queuedRefusal(tenant);
      throw new ResourceExhaustedError(`tenant ${tenant} has room for ${room} more queued tasks (limit ${max}), not ${wanted}; retry when some finish`, { retryAfterMs: 1000 });
    }
    q.admittedSince += admitted;
    return admitted;
  }

  /** What a task refused by the queued-task limit is told (a batch entry too, as SubmitTask would say). */
  queuedRefusal(tenant: string): ResourceExhaustedError {
    const max = this.#auth.limitsOf(tenant).maxQueuedTasks;
    return new ResourceExhaustedError(`tenant ${tenant} has ${max} tasks queued or running, its limit; retry when some finish`, { retryAfterMs: 1000 });
  }

  /** Counts an open watch; returns its release. Throws RESOURCE_EXHAUSTED at the tenant's limit. */
  openWatch(tenant: string): () => void {
    const max = this.#auth.limitsOf(tenant).maxWatches;
    const open = this.#watches.get(tenant) ?? 0;
    if (open >= max) throw new ResourceExhaustedError(`tenant ${tenant} already has ${max} open watches on this gateway; close some first`, { retryAfterMs: 1000 });
    this.#watches.set(tenant, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.#watches.get(tenant) ?? 1) - 1;
      if (n <= 0) this.#watches.delete(tenant);
      else this.#watches.set(tenant, n);
    };
  }
}
