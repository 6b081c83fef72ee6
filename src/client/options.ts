// RecflowClient's options: `RecflowClientOptions` (all optional) → `compileOptions()` → the fully
// required `CompiledOptions` the client uses.
import type { ClientSecurity } from "../api/client.js";

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
export const DEFAULT_UPLOAD_TIMEOUT_MS = 600_000;
export const DEFAULT_RECONNECT_INITIAL_MS = 100;
export const DEFAULT_RECONNECT_MAX_MS = 2_000;
export const DEFAULT_RECONNECT_TIMEOUT_MS = 30_000;

export interface RecflowClientOptions {
  /** Bearer token (a tenant's, from the gateway's RECFLOW_TENANTS_FILE). @default none */
  token?: string;
  /** TLS to the gateway: CA to trust (system roots when absent), client cert for mTLS. @default plaintext */
  tls?: ClientSecurity["tls"];
  /** Deadline of each unary call. @default 30_000 */
  callTimeoutMs?: number;
  /** Deadline of a dataset upload. @default 600_000 */
  uploadTimeoutMs?: number;
  /** First pause before a watch reopens after UNAVAILABLE; doubles per failed try. @default 100 */
  reconnectInitialMs?: number;
  /** Longest pause between two tries to reopen a watch. @default 2_000 */
  reconnectMaxMs?: number;
  /**
   * How long a watch keeps trying to reopen without receiving anything before it gives up with
   * GatewayUnavailableError (long enough for a gateway restart or rollout). @default 30_000
   */
  reconnectTimeoutMs?: number;
  /**
   * Sends the submits made in one turn of the event loop as one BatchSubmitTasks call (each
   * caller still gets its own task or its own error); a lone submit is a plain SubmitTask, as
   * without it. @default true
   */
  coalesceSubmits?: boolean;
  /**
   * Follow every `run` (and `recommend`, `similarItems`) of this client on one shared WatchTasks
   * stream, selected by a label the client adds to the task (`recflow.dev/listener`), instead of
   * a WatchTask stream per run: less work per run for the gateway and the client, and one open
   * watch instead of one per run in flight. Off: each run opens its own stream. @default true
   */
  multiplexRuns?: boolean;
}

export interface CompiledOptions {
  security: ClientSecurity;
  callTimeoutMs: number;
  uploadTimeoutMs: number;
  reconnect: { initialMs: number; maxMs: number; timeoutMs: number };
  coalesceSubmits: boolean;
  multiplexRuns: boolean;
}

function nonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`RecflowClient: ${name} must be a finite number ≥ 0, got ${v}`);
  return v;
}

export function compileOptions(opts: RecflowClientOptions): CompiledOptions {
  return {
    security: { ...(opts.token !== undefined ? { token: opts.token } : {}), ...(opts.tls ? { tls: opts.tls } : {}) },
    callTimeoutMs: nonNegative("callTimeoutMs", opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS),
    uploadTimeoutMs: nonNegative("uploadTimeoutMs", opts.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS),
    reconnect: {
      initialMs: nonNegative("reconnectInitialMs", opts.reconnectInitialMs ?? DEFAULT_RECONNECT_INITIAL_MS),
      maxMs: nonNegative("reconnectMaxMs", opts.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS),
      timeoutMs: nonNegative("reconnectTimeoutMs", opts.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS),
    },
    // On, as Pub/Sub's publisher batches by default: a lone submit costs nothing more (it leaves
    // in the same loop iteration as the SubmitTask it is), and the gateway answers a batch entry
    // as it answers SubmitTask (the same errors and refusals, a span per task).
    coalesceSubmits: opts.coalesceSubmits ?? true,
    multiplexRuns: opts.multiplexRuns ?? true,
  };
}
