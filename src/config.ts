// The one configuration module: defaults < environment (RECFLOW_*, NATS_URL) < CLI flags.
// compileConfig() validates everything once at start-up, converts units and returns a fully
// required RecflowConfig; a bad value stops the process with a message naming the variable.
import { availableParallelism, hostname } from "node:os";
import { ConfigError } from "./errors.js";
import { MAX_TIMER_MS } from "./long-timer.js";

export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
export const DEFAULT_GRPC_ADDRESS = "127.0.0.1:50051";
export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_MAX_DELIVER = 10;
export const DEFAULT_MAX_ACK_PENDING = 10_000;
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;
export const DEFAULT_RESULT_RETENTION_MS = 7 * 24 * 3600_000;
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_MAX_RETRIES_LIMIT = 8;
export const DEFAULT_RETRY_BASE_MS = 1_000;
export const DEFAULT_RETRY_MAX_MS = 60_000;
export const DEFAULT_PROGRESS_INTERVAL_MS = 250;
export const DEFAULT_STARTED_DELAY_MS = 100;
export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_SPEC_BYTES = 256 * 1024;
export const DEFAULT_MAX_K = 1_000;
export const DEFAULT_STREAM_REPLICAS = 1;
export const DEFAULT_PUBLISH_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_DATASET_BYTES = 512 * 1024 * 1024;
export const DEFAULT_MAX_DATASET_ROWS = 20_000_000;
export const DEFAULT_MAX_CONCURRENT_UPLOADS = 4;
export const DEFAULT_UPLOAD_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_ARTIFACT_CACHE_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_WATCH_BUFFER_EVENTS = 256;
export const DEFAULT_TRAIN_THREADS = 1;
export const DEFAULT_TENANT_MAX_QUEUED_TASKS = 10_000;
export const DEFAULT_TENANT_MAX_WATCHES = 2_000;
export const DEFAULT_TENANT_SUBMIT_RATE = 1_000;
export const DEFAULT_TENANT_SUBMIT_BURST = 2_000;

/** Everything configurable; every field optional. Units are in the names. */
export interface RecflowOptions {
  /** NATS server URL(s), comma separated. Env NATS_URL. @default "nats://127.0.0.1:4222" */
  natsUrl?: string;
  /** NATS credentials file (JWT + nkey). Env NATS_CREDS. @default none */
  natsCredsFile?: string;
  /** NATS nkey seed file (nkey authentication without a JWT). Env NATS_NKEY_SEED_FILE. @default none */
  natsNkeySeedFile?: string;
  /** NATS user name (with NATS_PASSWORD). Env NATS_USER. @default none */
  natsUser?: string;
  /** NATS password; pass it from a secret, never a flag. Env NATS_PASSWORD. @default none */
  natsPassword?: string;
  /** CA bundle that signs the NATS servers' certificates; setting it turns TLS on. Env NATS_TLS_CA_FILE. @default none */
  natsTlsCaFile?: string;
  /** Client certificate for NATS mutual TLS (with NATS_TLS_KEY_FILE). Env NATS_TLS_CERT_FILE. @default none */
  natsTlsCertFile?: string;
  /** Private key of NATS_TLS_CERT_FILE. Env NATS_TLS_KEY_FILE. @default none */
  natsTlsKeyFile?: string;
  /** gRPC listen address of the gateway. Env RECFLOW_GRPC_ADDRESS. @default "127.0.0.1:50051" */
  grpcAddress?: string;
  /** PEM certificate chain the gateway serves; with RECFLOW_TLS_KEY_FILE it turns TLS on. Env RECFLOW_TLS_CERT_FILE. @default none (plaintext) */
  tlsCertFile?: string;
  /** PEM private key of RECFLOW_TLS_CERT_FILE. Env RECFLOW_TLS_KEY_FILE. @default none */
  tlsKeyFile?: string;
  /** PEM CA bundle for client certificates; setting it requires one (mutual TLS). Env RECFLOW_TLS_CLIENT_CA_FILE. @default none */
  tlsClientCaFile?: string;
  /** JSON file of tenants, their hashed bearer tokens and limits; setting it turns authentication on. Env RECFLOW_TENANTS_FILE. @default none (everyone is tenant "default") */
  tenantsFile?: string;
  /** Tasks a tenant may have queued or running at once (a tenant's entry in the tenants file may lower or raise it). Env RECFLOW_TENANT_MAX_QUEUED_TASKS. @default 10000 */
  tenantMaxQueuedTasks?: number;
  /** WatchTask streams one tenant may hold open on one gateway. Env RECFLOW_TENANT_MAX_WATCHES. @default 2000 */
  tenantMaxWatches?: number;
  /** Sustained SubmitTask calls per second per tenant on one gateway (token bucket). Env RECFLOW_TENANT_SUBMIT_RATE. @default 1000 */
  tenantSubmitRate?: number;
  /** Burst size of the submit token bucket. Env RECFLOW_TENANT_SUBMIT_BURST. @default 2000 */
  tenantSubmitBurst?: number;
  /** Replicas of every stream and consumer (1 dev, 3 prod). Env RECFLOW_STREAM_REPLICAS. @default 1 */
  streamReplicas?: number;
  /** Time a worker may hold a task without a heartbeat before redelivery. Env RECFLOW_ACK_WAIT_MS. @default 30000 */
  ackWaitMs?: number;
  /** Deliveries of one task message before the DLQ path takes it. Env RECFLOW_MAX_DELIVER. @default 10 */
  maxDeliver?: number;
  /** Unacked tasks across all workers. Env RECFLOW_MAX_ACK_PENDING. @default 10000 */
  maxAckPending?: number;
  /** JetStream de-duplication window for task messages and events. Env RECFLOW_DUPLICATE_WINDOW_MS. @default 120000 */
  duplicateWindowMs?: number;
  /** How long task events (and so results) are kept. Env RECFLOW_RESULT_RETENTION_MS. @default 7 days */
  resultRetentionMs?: number;
  /** Largest event, e.g. a PartialResult chunk. Env RECFLOW_MAX_EVENT_BYTES. @default 1048576 */
  maxEventBytes?: number;
  /** max_retries of a task that does not set it. Env RECFLOW_DEFAULT_MAX_RETRIES. @default 3 */
  defaultMaxRetries?: number;
  /** Largest max_retries a client may ask for; must be < maxDeliver. Env RECFLOW_MAX_RETRIES_LIMIT. @default 8 */
  maxRetriesLimit?: number;
  /** First retry back-off; doubles per attempt, with jitter. Env RECFLOW_RETRY_BASE_MS. @default 1000 */
  retryBaseMs?: number;
  /** Back-off ceiling. Env RECFLOW_RETRY_MAX_MS. @default 60000 */
  retryMaxMs?: number;
  /** Worker threads per worker process. Env RECFLOW_THREADS. @default cores - 1, at least 1 */
  threads?: number;
  /** Tasks a worker holds beyond its threads, doing their NATS round trips while the threads compute (Celery's prefetch). Raise it for many short tasks (1 keeps a thread busy between short CPU tasks); keep 0 for long ones, so queued work stays visible to other workers and the autoscaler. Env RECFLOW_PREFETCH. @default 0 */
  prefetch?: number;
  /** Threads one ALS training, or one Recommend / SimilarItems for ≥ 2,048 rows of an ALS model, uses: its pool thread plus helpers spawned for the task (SharedArrayBuffer team). Env RECFLOW_TRAIN_THREADS. @default 1 */
  trainThreads?: number;
  /** Minimum gap between two Progress events of a task. Env RECFLOW_PROGRESS_INTERVAL_MS. @default 250 */
  progressIntervalMs?: number;
  /** How long a first attempt's job runs before its Started event is written (sooner before its first progress, Retrying or Failed). A job that succeeds or sends a partial result sooner writes no Started: that event carries the start (state, attempt, start_time and worker_id in its status). 0 writes Started as soon as a thread takes the job; at most 60000. Env RECFLOW_STARTED_DELAY_MS. @default 100 */
  startedDelayMs?: number;
  /** Time given to in-flight work on SIGTERM before it is handed back. Env RECFLOW_SHUTDOWN_GRACE_MS. @default 25000 */
  shutdownGraceMs?: number;
  /** Largest gRPC message the gateway accepts. Env RECFLOW_MAX_REQUEST_BYTES. @default 4 MiB */
  maxRequestBytes?: number;
  /** Largest encoded task spec. Env RECFLOW_MAX_SPEC_BYTES. @default 256 KiB */
  maxSpecBytes?: number;
  /** Largest k for Recommend / SimilarItems / Evaluate. Env RECFLOW_MAX_K. @default 1000 */
  maxK?: number;
  /** Time to wait for a JetStream PubAck. Env RECFLOW_PUBLISH_TIMEOUT_MS. @default 5000 */
  publishTimeoutMs?: number;
  /** Largest dataset upload (raw bytes). Env RECFLOW_MAX_DATASET_BYTES. @default 512 MiB */
  maxDatasetBytes?: number;
  /** Most data rows in one dataset. Env RECFLOW_MAX_DATASET_ROWS. @default 20000000 */
  maxDatasetRows?: number;
  /** Uploads one gateway runs at once (each has a compile thread). Env RECFLOW_MAX_CONCURRENT_UPLOADS. @default 4 */
  maxConcurrentUploads?: number;
  /** An upload silent for this long is aborted. Env RECFLOW_UPLOAD_IDLE_TIMEOUT_MS. @default 30000 */
  uploadIdleTimeoutMs?: number;
  /** Memory a worker spends on cached datasets and models; larger artifacts are refused. Env RECFLOW_ARTIFACT_CACHE_BYTES. @default 1 GiB */
  artifactCacheBytes?: number;
  /** Live events a gateway buffers per watch for a slow client before it falls back to replaying from the stream. Env RECFLOW_WATCH_BUFFER_EVENTS. @default 256 */
  watchBufferEvents?: number;
  /** HTTP address for /metrics, /healthz and /readyz; empty disables it. Env RECFLOW_METRICS_ADDRESS. @default "" */
  metricsAddress?: string;
  /** Allow Probe{crash_process, crash_thread} (tests only). Env RECFLOW_ALLOW_FAULT_INJECTION=1. @default false */
  allowFaultInjection?: boolean;
  /** Identity of this process in events. Env RECFLOW_WORKER_ID. @default host-pid */
  instanceId?: string;
  /** pino level. Env RECFLOW_LOG_LEVEL. @default "info" */
  logLevel?: string;
}

/** Options that stay unset unless given: files, credentials. */
type OptionalKey = "natsCredsFile" | "natsNkeySeedFile" | "natsUser" | "natsPassword" | "natsTlsCaFile" | "natsTlsCertFile" | "natsTlsKeyFile" | "tlsCertFile" | "tlsKeyFile" | "tlsClientCaFile" | "tenantsFile";

export type RecflowConfig = Required<Omit<RecflowOptions, OptionalKey>> & { [K in OptionalKey]: string | undefined } & {
  natsServers: string[];
  heartbeatIntervalMs: number;
};

type Env = Record<string, string | undefined>;

const ENV_NAMES: Record<keyof RecflowOptions, string> = {
  natsUrl: "NATS_URL",
  natsCredsFile: "NATS_CREDS",
  natsNkeySeedFile: "NATS_NKEY_SEED_FILE",
  natsUser: "NATS_USER",
  natsPassword: "NATS_PASSWORD",
  natsTlsCaFile: "NATS_TLS_CA_FILE",
  natsTlsCertFile: "NATS_TLS_CERT_FILE",
  natsTlsKeyFile: "NATS_TLS_KEY_FILE",
  grpcAddress: "RECFLOW_GRPC_ADDRESS",
  tlsCertFile: "RECFLOW_TLS_CERT_FILE",
  tlsKeyFile: "RECFLOW_TLS_KEY_FILE",
  tlsClientCaFile: "RECFLOW_TLS_CLIENT_CA_FILE",
  tenantsFile: "RECFLOW_TENANTS_FILE",
  tenantMaxQueuedTasks: "RECFLOW_TENANT_MAX_QUEUED_TASKS",
  tenantMaxWatches: "RECFLOW_TENANT_MAX_WATCHES",
  tenantSubmitRate: "RECFLOW_TENANT_SUBMIT_RATE",
  tenantSubmitBurst: "RECFLOW_TENANT_SUBMIT_BURST",
  streamReplicas: "RECFLOW_STREAM_REPLICAS",
  ackWaitMs: "RECFLOW_ACK_WAIT_MS",
  maxDeliver: "RECFLOW_MAX_DELIVER",
  maxAckPending: "RECFLOW_MAX_ACK_PENDING",
  duplicateWindowMs: "RECFLOW_DUPLICATE_WINDOW_MS",
  resultRetentionMs: "RECFLOW_RESULT_RETENTION_MS",
  maxEventBytes: "RECFLOW_MAX_EVENT_BYTES",
  defaultMaxRetries: "RECFLOW_DEFAULT_MAX_RETRIES",
  maxRetriesLimit: "RECFLOW_MAX_RETRIES_LIMIT",
  retryBaseMs: "RECFLOW_RETRY_BASE_MS",
  retryMaxMs: "RECFLOW_RETRY_MAX_MS",
  threads: "RECFLOW_THREADS",
  prefetch: "RECFLOW_PREFETCH",
  trainThreads: "RECFLOW_TRAIN_THREADS",
  progressIntervalMs: "RECFLOW_PROGRESS_INTERVAL_MS",
  startedDelayMs: "RECFLOW_STARTED_DELAY_MS",
  shutdownGraceMs: "RECFLOW_SHUTDOWN_GRACE_MS",
  maxRequestBytes: "RECFLOW_MAX_REQUEST_BYTES",
  maxSpecBytes: "RECFLOW_MAX_SPEC_BYTES",
  maxK: "RECFLOW_MAX_K",
  publishTimeoutMs: "RECFLOW_PUBLISH_TIMEOUT_MS",
  metricsAddress: "RECFLOW_METRICS_ADDRESS",
  watchBufferEvents: "RECFLOW_WATCH_BUFFER_EVENTS",
  maxDatasetBytes: "RECFLOW_MAX_DATASET_BYTES",
  maxDatasetRows: "RECFLOW_MAX_DATASET_ROWS",
  maxConcurrentUploads: "RECFLOW_MAX_CONCURRENT_UPLOADS",
  uploadIdleTimeoutMs: "RECFLOW_UPLOAD_IDLE_TIMEOUT_MS",
  artifactCacheBytes: "RECFLOW_ARTIFACT_CACHE_BYTES",
  allowFaultInjection: "RECFLOW_ALLOW_FAULT_INJECTION",
  instanceId: "RECFLOW_WORKER_ID",
  logLevel: "RECFLOW_LOG_LEVEL",
};

/** Every option, in the order of the docs. */
export const CONFIG_KEYS = Object.keys(ENV_NAMES) as (keyof RecflowOptions)[];

/** Environment variable of each option, for docs and error messages. */
export function envNameOf(key: keyof RecflowOptions): string {
  return ENV_NAMES[key];
}

function intFrom(key: keyof RecflowOptions, value: number | undefined, env: Env, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const name = ENV_NAMES[key];
  let v = value;
  if (v === undefined && env[name] !== undefined && env[name] !== "") {
    const raw = env[name].trim();
    if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${name}: expected an integer, got "${raw}"`);
    v = Number(raw);
  }
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${name} (--${kebab(key)}): expected an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

/**
 * A duration that arms a timer (setTimeout/setInterval, nats.js request timers, a nak delay):
 * longer than Node.js can arm is refused here, at start, instead of firing after 1 ms.
 */
function msFrom(key: keyof RecflowOptions, value: number | undefined, env: Env, min: number): number | undefined {
  const v = intFrom(key, value, env, min);
  if (v !== undefined && v > MAX_TIMER_MS) {
    throw new ConfigError(`${ENV_NAMES[key]} (--${kebab(key)}): ${v} ms is longer than the longest timer Node.js can arm (${MAX_TIMER_MS} ms, about 24.8 days)`);
  }
  return v;
}

function strFrom(key: keyof RecflowOptions, value: string | undefined, env: Env): string | undefined {
  const v = value ?? env[ENV_NAMES[key]];
  return v === undefined || v === "" ? undefined : v;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const LOG_LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** Validates options and environment and applies defaults. Throws ConfigError naming what to fix. */
export function compileConfig(options: RecflowOptions = {}, env: Env = process.env): RecflowConfig {
  const natsUrl = strFrom("natsUrl", options.natsUrl, env) ?? DEFAULT_NATS_URL;
  const natsServers = natsUrl.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of natsServers) {
    if (!/^(nats|tls|wss?):\/\/[^\s]+$|^[\w.-]+:\d+$/.test(s)) throw new ConfigError(`NATS_URL (--nats-url): "${s}" is not a NATS URL like nats://host:4222`);
  }
  const grpcAddress = strFrom("grpcAddress", options.grpcAddress, env) ?? DEFAULT_GRPC_ADDRESS;
  if (!/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/.test(grpcAddress)) {
    throw new ConfigError(`RECFLOW_GRPC_ADDRESS (--grpc-address): "${grpcAddress}" is not host:port`);
  }
  const ackWaitMs = msFrom("ackWaitMs", options.ackWaitMs, env, 500) ?? DEFAULT_ACK_WAIT_MS;
  const maxDeliver = intFrom("maxDeliver", options.maxDeliver, env, 2, 1000) ?? DEFAULT_MAX_DELIVER;
  const maxRetriesLimit = intFrom("maxRetriesLimit", options.maxRetriesLimit, env, 0, 1000) ?? Math.min(DEFAULT_MAX_RETRIES_LIMIT, maxDeliver - 1);
  if (maxRetriesLimit >= maxDeliver) {
    throw new ConfigError(`RECFLOW_MAX_RETRIES_LIMIT (${maxRetriesLimit}) must be below RECFLOW_MAX_DELIVER (${maxDeliver}): every retry is a delivery`);
  }
  const defaultMaxRetries = intFrom("defaultMaxRetries", options.defaultMaxRetries, env, 0) ?? Math.min(DEFAULT_MAX_RETRIES, maxRetriesLimit);
  if (defaultMaxRetries > maxRetriesLimit) throw new ConfigError(`RECFLOW_DEFAULT_MAX_RETRIES (${defaultMaxRetries}) exceeds RECFLOW_MAX_RETRIES_LIMIT (${maxRetriesLimit})`);
  const retryBaseMs = msFrom("retryBaseMs", options.retryBaseMs, env, 0) ?? DEFAULT_RETRY_BASE_MS;
  const retryMaxMs = msFrom("retryMaxMs", options.retryMaxMs, env, 0) ?? DEFAULT_RETRY_MAX_MS;
  if (retryMaxMs < retryBaseMs) throw new ConfigError(`RECFLOW_RETRY_MAX_MS (${retryMaxMs}) is below RECFLOW_RETRY_BASE_MS (${retryBaseMs})`);
  const publishTimeoutMs = msFrom("publishTimeoutMs", options.publishTimeoutMs, env, 100) ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  const duplicateWindowMs = intFrom("duplicateWindowMs", options.duplicateWindowMs, env, 1000) ?? DEFAULT_DUPLICATE_WINDOW_MS;
  // Timeouts that depend on each other. De-duplication by message id is what makes a retried
  // write safe: a publish retried after its PubAck timed out (a worker retries an event append
  // for at most the window minus one publish timeout), and the next delivery of a task (after
  // ack_wait) re-sending its predecessor's dead letter, must still fall inside the window.
  if (duplicateWindowMs <= publishTimeoutMs) {
    throw new ConfigError(`RECFLOW_DUPLICATE_WINDOW_MS (${duplicateWindowMs}) must exceed RECFLOW_PUBLISH_TIMEOUT_MS (${publishTimeoutMs}): a write retried after a PubAck timeout must still be de-duplicated`);
  }
  if (duplicateWindowMs <= ackWaitMs) {
    throw new ConfigError(`RECFLOW_DUPLICATE_WINDOW_MS (${duplicateWindowMs}) must exceed RECFLOW_ACK_WAIT_MS (${ackWaitMs}): a redelivered task re-sends what its previous attempt may have sent, which must still be de-duplicated`);
  }
  const logLevel = strFrom("logLevel", options.logLevel, env) ?? "info";
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError(`RECFLOW_LOG_LEVEL (--log-level): "${logLevel}" is not one of ${[...LOG_LEVELS].join(", ")}`);
  const fault = options.allowFaultInjection ?? ["1", "true", "yes"].includes((env[ENV_NAMES.allowFaultInjection] ?? "").toLowerCase());
  const instanceId = strFrom("instanceId", options.instanceId, env) ?? `${hostname()}-${process.pid}`;
  const file = (key: OptionalKey): string | undefined => strFrom(key, options[key], env);
  const tlsCertFile = file("tlsCertFile");
  const tlsKeyFile = file("tlsKeyFile");
  const tlsClientCaFile = file("tlsClientCaFile");
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) throw new ConfigError("RECFLOW_TLS_CERT_FILE and RECFLOW_TLS_KEY_FILE go together: set both for TLS, or neither for plaintext");
  if (tlsClientCaFile !== undefined && tlsCertFile === undefined) throw new ConfigError("RECFLOW_TLS_CLIENT_CA_FILE (mutual TLS) needs RECFLOW_TLS_CERT_FILE and RECFLOW_TLS_KEY_FILE too");
  const natsTlsCertFile = file("natsTlsCertFile");
  const natsTlsKeyFile = file("natsTlsKeyFile");
  if ((natsTlsCertFile === undefined) !== (natsTlsKeyFile === undefined)) throw new ConfigError("NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE go together");
  const natsUser = file("natsUser");
  const natsPassword = file("natsPassword");
  if ((natsUser === undefined) !== (natsPassword === undefined)) throw new ConfigError("NATS_USER and NATS_PASSWORD go together");
  const natsAuthModes = [file("natsCredsFile"), file("natsNkeySeedFile"), natsUser].filter((v) => v !== undefined).length;
  if (natsAuthModes > 1) throw new ConfigError("pick one NATS authentication: NATS_CREDS, NATS_NKEY_SEED_FILE or NATS_USER/NATS_PASSWORD");
  return {
    natsUrl,
    natsServers,
    natsCredsFile: file("natsCredsFile"),
    natsNkeySeedFile: file("natsNkeySeedFile"),
    natsUser,
    natsPassword,
    natsTlsCaFile: file("natsTlsCaFile"),
    natsTlsCertFile,
    natsTlsKeyFile,
    grpcAddress,
    tlsCertFile,
    tlsKeyFile,
    tlsClientCaFile,
    tenantsFile: file("tenantsFile"),
    tenantMaxQueuedTasks: intFrom("tenantMaxQueuedTasks", options.tenantMaxQueuedTasks, env, 1) ?? DEFAULT_TENANT_MAX_QUEUED_TASKS,
    tenantMaxWatches: intFrom("tenantMaxWatches", options.tenantMaxWatches, env, 1) ?? DEFAULT_TENANT_MAX_WATCHES,
    tenantSubmitRate: intFrom("tenantSubmitRate", options.tenantSubmitRate, env, 1) ?? DEFAULT_TENANT_SUBMIT_RATE,
    tenantSubmitBurst: intFrom("tenantSubmitBurst", options.tenantSubmitBurst, env, 1) ?? DEFAULT_TENANT_SUBMIT_BURST,
    streamReplicas: intFrom("streamReplicas", options.streamReplicas, env, 1, 5) ?? DEFAULT_STREAM_REPLICAS,
    ackWaitMs,
    heartbeatIntervalMs: Math.max(100, Math.floor(ackWaitMs / 3)),
    maxDeliver,
    maxAckPending: intFrom("maxAckPending", options.maxAckPending, env, 1) ?? DEFAULT_MAX_ACK_PENDING,
    duplicateWindowMs,
    resultRetentionMs: intFrom("resultRetentionMs", options.resultRetentionMs, env, 60_000) ?? DEFAULT_RESULT_RETENTION_MS,
    maxEventBytes: intFrom("maxEventBytes", options.maxEventBytes, env, 64 * 1024, 8 * 1024 * 1024) ?? DEFAULT_MAX_EVENT_BYTES,
    defaultMaxRetries,
    maxRetriesLimit,
    retryBaseMs,
    retryMaxMs,
    threads: intFrom("threads", options.threads, env, 1, 256) ?? Math.max(1, availableParallelism() - 1),
    prefetch: intFrom("prefetch", options.prefetch, env, 0, 10_000) ?? 0,
    trainThreads: intFrom("trainThreads", options.trainThreads, env, 1, 64) ?? DEFAULT_TRAIN_THREADS,
    progressIntervalMs: msFrom("progressIntervalMs", options.progressIntervalMs, env, 0) ?? DEFAULT_PROGRESS_INTERVAL_MS,
    startedDelayMs: intFrom("startedDelayMs", options.startedDelayMs, env, 0, 60_000) ?? DEFAULT_STARTED_DELAY_MS,
    shutdownGraceMs: msFrom("shutdownGraceMs", options.shutdownGraceMs, env, 0) ?? DEFAULT_SHUTDOWN_GRACE_MS,
    maxRequestBytes: intFrom("maxRequestBytes", options.maxRequestBytes, env, 1024) ?? DEFAULT_MAX_REQUEST_BYTES,
    maxSpecBytes: intFrom("maxSpecBytes", options.maxSpecBytes, env, 1024) ?? DEFAULT_MAX_SPEC_BYTES,
    maxK: intFrom("maxK", options.maxK, env, 1, 100_000) ?? DEFAULT_MAX_K,
    publishTimeoutMs,
    maxDatasetBytes: intFrom("maxDatasetBytes", options.maxDatasetBytes, env, 1024) ?? DEFAULT_MAX_DATASET_BYTES,
    maxDatasetRows: intFrom("maxDatasetRows", options.maxDatasetRows, env, 1) ?? DEFAULT_MAX_DATASET_ROWS,
    maxConcurrentUploads: intFrom("maxConcurrentUploads", options.maxConcurrentUploads, env, 1, 1000) ?? DEFAULT_MAX_CONCURRENT_UPLOADS,
    uploadIdleTimeoutMs: msFrom("uploadIdleTimeoutMs", options.uploadIdleTimeoutMs, env, 100) ?? DEFAULT_UPLOAD_IDLE_TIMEOUT_MS,
    watchBufferEvents: intFrom("watchBufferEvents", options.watchBufferEvents, env, 1, 1_000_000) ?? DEFAULT_WATCH_BUFFER_EVENTS,
    artifactCacheBytes: intFrom("artifactCacheBytes", options.artifactCacheBytes, env, 1024 * 1024) ?? DEFAULT_ARTIFACT_CACHE_BYTES,
    metricsAddress: (() => {
      const m = strFrom("metricsAddress", options.metricsAddress, env) ?? "";
      if (m !== "" && !/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/.test(m)) throw new ConfigError(`RECFLOW_METRICS_ADDRESS (--metrics-address): "${m}" is not host:port`);
      return m;
    })(),
    allowFaultInjection: fault,
    instanceId,
    logLevel,
  };
}
