// Who is calling, and what they may use: maps a call's bearer token to a tenant and its limits.
// With authentication off (the dev default, no RECFLOW_TENANTS_FILE) every caller is the
// "default" tenant. Tokens are stored only as SHA-256 hashes and compared in constant time; the
// tenants file is re-read when it changes (or on SIGHUP), so tokens rotate without a restart.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync, unwatchFile, watchFile } from "node:fs";
import type { Metadata } from "@grpc/grpc-js";
import type { RecflowConfig } from "../config.js";
import { ConfigError, UnauthenticatedError } from "../errors.js";
import type { Logger } from "../log.js";
import { isSubjectToken } from "../nats/index.js";

export const DEFAULT_TENANT = "default";
const HASH_PREFIX = "sha256:";
const TOKEN_PREFIX = "rf_";
const RELOAD_POLL_MS = 2_000;

/** What one tenant may use. Submit rate and watches are per gateway; queued tasks are cluster-wide. */
export interface TenantLimits {
  maxQueuedTasks: number;
  maxWatches: number;
  maxDatasetBytes: number;
  submitRatePerSec: number;
  submitBurst: number;
}

export interface Authenticator {
  /** The caller's tenant; throws UnauthenticatedError when the token is missing or wrong. */
  tenantOf(metadata: Metadata): string;
  limitsOf(tenant: string): TenantLimits;
  close(): void;
}

/** Limits every tenant gets unless its entry in the tenants file says otherwise. */
export function defaultLimits(config: Pick<RecflowConfig, "tenantMaxQueuedTasks" | "tenantMaxWatches" | "maxDatasetBytes" | "tenantSubmitRate" | "tenantSubmitBurst">): TenantLimits {
  return {
    maxQueuedTasks: config.tenantMaxQueuedTasks,
    maxWatches: config.tenantMaxWatches,
    maxDatasetBytes: config.maxDatasetBytes,
    submitRatePerSec: config.tenantSubmitRate,
    submitBurst: config.tenantSubmitBurst,
  };
}

/** Authentication off: one tenant, "default", with the configured limits. */
export function anonymous(limits: TenantLimits): Authenticator {
  return { tenantOf: () => DEFAULT_TENANT, limitsOf: () => limits, close: () => undefined };
}

/** A new random bearer token and the hash to put in the tenants file. */
export function newToken(): { token: string; hash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return HASH_PREFIX + createHash("sha256").update(token, "utf8").digest("hex");
}

interface Directory {
  /** [digest, tenant] for every token of every tenant. */
  tokens: { digest: Buffer; tenant: string }[];
  limits: Map<string, TenantLimits>;
}

const LIMIT_KEYS: (keyof TenantLimits)[] = ["maxQueuedTasks", "maxWatches", "maxDatasetBytes", "submitRatePerSec", "submitBurst"];

/**
 * Parses a tenants file:
 * `{"tenants": {"acme": {"tokens": ["sha256:<hex>", …], "limits": {"maxQueuedTasks": 100, …}}}}`.
 * Throws ConfigError naming the offending entry.
 */
export function parseTenantsFile(text: string, defaults: TenantLimits, where = "RECFLOW_TENANTS_FILE"): Directory {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${where}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const tenants = (doc as { tenants?: unknown } | null)?.tenants;
  if (typeof tenants !== "object" || tenants === null || Array.isArray(tenants)) throw new ConfigError(`${where}: expected {"tenants": {"<name>": {"tokens": ["sha256:…"]}}}`);
  const dir: Directory = { tokens: [], limits: new Map() };
  const seen = new Set<string>();
  for (const [tenant, entry] of Object.entries(tenants as Record<string, unknown>)) {
    if (!isSubjectToken(tenant)) throw new ConfigError(`${where}: tenant name "${tenant}" must be 1-64 of A-Z a-z 0-9 _ -`);
    const e = entry as { tokens?: unknown; limits?: unknown } | null;
    if (!Array.isArray(e?.tokens) || e.tokens.length === 0) throw new ConfigError(`${where}: tenant "${tenant}" needs "tokens": a non-empty list of "sha256:<hex>" hashes`);
    for (const h of e.tokens) {
      if (typeof h !== "string" || !/^sha256:[0-9a-f]{64}$/.test(h)) {
        throw new ConfigError(`${where}: tenant "${tenant}": tokens must be "sha256:<64 hex digits>" (make one with \`recflow token create\`), never the token itself`);
      }
      if (seen.has(h)) throw new ConfigError(`${where}: the token hash ${h.slice(0, 15)}… appears twice`);
      seen.add(h);
      dir.tokens.push({ digest: Buffer.from(h.slice(HASH_PREFIX.length), "hex"), tenant });
    }
    const limits = { ...defaults };
    if (e.limits !== undefined) {
      if (typeof e.limits !== "object" || e.limits === null) throw new ConfigError(`${where}: tenant "${tenant}": "limits" must be an object`);
      for (const [k, v] of Object.entries(e.limits)) {
        if (!LIMIT_KEYS.includes(k as keyof TenantLimits)) throw new ConfigError(`${where}: tenant "${tenant}": unknown limit "${k}" (known: ${LIMIT_KEYS.join(", ")})`);
        if (!Number.isSafeInteger(v) || (v as number) < 1) throw new ConfigError(`${where}: tenant "${tenant}": limit ${k} must be a positive integer`);
        limits[k as keyof TenantLimits] = v as number;
      }
    }
    // The gateway-wide dataset limit is a ceiling no tenant can lift.
    limits.maxDatasetBytes = Math.min(limits.maxDatasetBytes, defaults.maxDatasetBytes);
    dir.limits.set(tenant, limits);
  }
  if (dir.tokens.length === 0) throw new ConfigError(`${where}: no tenants: nobody could call this gateway`);
  return dir;
}

/** Bearer-token authentication from a tenants file, reloaded when the file changes. */
export function tokenAuthenticator(file: string, defaults: TenantLimits, log: Logger): Authenticator {
  // stat before read: a change landing in between is then seen by the next poll.
  let mtimeMs = statSync(file).mtimeMs;
  let dir = parseTenantsFile(readFileSync(file, "utf8"), defaults);
  const reload = (why: string): void => {
    try {
      const m = statSync(file).mtimeMs;
      dir = parseTenantsFile(readFileSync(file, "utf8"), defaults);
      mtimeMs = m;
      log.info({ file, tenants: dir.limits.size, why }, "tenants file reloaded");
    } catch (err) {
      // Keep serving with the last good file rather than locking everyone out.
      log.error({ err, file }, "tenants file is invalid; keeping the previous one");
    }
  };
  // Polling stat works for Kubernetes Secret volumes, whose files are swapped by symlink.
  watchFile(file, { interval: RELOAD_POLL_MS, persistent: false }, (cur) => {
    if (cur.mtimeMs !== mtimeMs) reload("changed");
  });
  const onHup = (): void => reload("SIGHUP");
  process.on("SIGHUP", onHup);
  return {
    tenantOf(metadata) {
      const header = metadata.get("authorization")[0];
      const value = typeof header === "string" ? header : header?.toString("utf8") ?? "";
      const m = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(value.trim());
      if (!m) throw new UnauthenticatedError("missing bearer token: send metadata \"authorization: Bearer <token>\"");
      const digest = createHash("sha256").update(m[1], "utf8").digest();
      // Compare against every entry, without stopping at a match, so timing says nothing.
      let tenant: string | undefined;
      for (const t of dir.tokens) {
        if (timingSafeEqual(t.digest, digest) && tenant === undefined) tenant = t.tenant;
      }
      if (tenant === undefined) throw new UnauthenticatedError("invalid bearer token");
      return tenant;
    },
    limitsOf(tenant) {
      return dir.limits.get(tenant) ?? defaults;
    },
    close() {
      unwatchFile(file);
      process.off("SIGHUP", onHup);
    },
  };
}

/** The authenticator the config asks for. */
export function createAuthenticator(config: RecflowConfig, log: Logger): Authenticator {
  const limits = defaultLimits(config);
  if (!config.tenantsFile) return anonymous(limits);
  try {
    return tokenAuthenticator(config.tenantsFile, limits, log);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`RECFLOW_TENANTS_FILE: cannot read ${config.tenantsFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
