// The NATS connection of a process: reconnects forever, tracks whether it is connected right now
// (so callers can answer UNAVAILABLE at once instead of queueing into a dead socket), and gives
// JetStream handles with our publish timeout.
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import {
  connect, credsAuthenticator, Events, nkeyAuthenticator, usernamePasswordAuthenticator,
  type Authenticator, type ConnectionOptions, type JetStreamClient, type JetStreamManager, type NatsConnection,
} from "nats";
import type { Logger } from "../log.js";
import { UnavailableError } from "../errors.js";
import { JetStreamRequests } from "./jetstream-requests.js";
import { coalesceWrites } from "./write-coalescing.js";
import { isNoPeersForPlacement, isSettling } from "./nats-errors.js";

/**
 * How long start-up waits for JetStream to answer once a NATS server is reached: a process that
 * starts while the cluster is electing leaders or catching up (a node just cut off or paused)
 * gets 503 "no responders" or timeouts for seconds; it waits that out rather than exit.
 */
export const JETSTREAM_START_WAIT_MS = 120_000;

/**
 * What to check when replicated streams find no peers (JetStream error 10005) for longer than a
 * cluster takes to form. The last case was seen in the network tests with nats-server 2.10.27:
 * one of three servers started together stays out of the meta group until it is restarted.
 */
export const NO_PEERS_HINT = "the JetStream meta group has fewer servers than RECFLOW_STREAM_REPLICAS: " +
  "start more NATS servers or lower RECFLOW_STREAM_REPLICAS; if every server is up, one may have been left out of the meta group " +
  "(each server's monitoring /jsz shows meta_cluster.cluster_size below the number of servers): restart that server, keeping its store";

/**
 * Runs a start-up JetStream call, again while it fails because the cluster is settling (no
 * responders, timeout, disconnected, no peers for placement yet) until `waitMs` is spent; logs
 * each retry. A cluster that never finds the peers (replicas > nodes, or a node left out of the
 * meta group) ends in UnavailableError saying what to check (NO_PEERS_HINT).
 */
export async function untilJetStreamAnswers<T>(what: string, fn: () => Promise<T>, log: Logger, waitMs = JETSTREAM_START_WAIT_MS): Promise<T> {
  const giveUpAt = Date.now() + waitMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await fn();
    } catch (err) {
      const noPeers = isNoPeersForPlacement(err);
      if (noPeers && Date.now() + delay > giveUpAt) {
        throw new UnavailableError(`${what}: no NATS servers to place the replicas on after ${Math.round(waitMs / 1000)} s; ${NO_PEERS_HINT}`, { cause: err });
      }
      if (!isSettling(err) || Date.now() + delay > giveUpAt) throw err;
      log.warn({ err, retryInMs: delay, ...(noPeers ? { hint: NO_PEERS_HINT } : {}) }, `${what}: JetStream cluster not ready yet; retrying`);
      await sleep(delay);
    }
  }
}

/** How a process proves itself to NATS and protects the connection (all optional; config keys NATS_*). */
export interface NatsSecurity {
  natsCredsFile?: string | undefined;
  natsNkeySeedFile?: string | undefined;
  natsUser?: string | undefined;
  natsPassword?: string | undefined;
  natsTlsCaFile?: string | undefined;
  natsTlsCertFile?: string | undefined;
  natsTlsKeyFile?: string | undefined;
}

export interface BrokerOptions {
  servers: string[];
  name: string;
  publishTimeoutMs: number;
  security?: NatsSecurity;
  /** Called on every connect/disconnect, e.g. to flip gRPC health. */
  onConnectionChange?: (connected: boolean) => void;
  /** How long connect() waits for JetStream to answer (JETSTREAM_START_WAIT_MS). */
  jetStreamWaitMs?: number;
}

export class Broker {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** The hot-path publish and direct get (see jetstream-requests.ts). */
  readonly requests: JetStreamRequests;
  #connected = true;
  readonly #reconnectListeners = new Set<() => void>();
  readonly #log: Logger;
  readonly #closeTimeoutMs: number;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, opts: BrokerOptions, log: Logger) {
    this.nc = nc;
    this.jsm = jsm;
    // One socket write per event-loop turn (see write-coalescing.ts).
    coalesceWrites(nc);
    this.js = nc.jetstream({ timeout: opts.publishTimeoutMs });
    this.requests = new JetStreamRequests(nc, opts.publishTimeoutMs);
    this.#closeTimeoutMs = Math.max(1_000, opts.publishTimeoutMs);
    this.#log = log;
    void this.#watchStatus(opts.onConnectionChange).catch((err: unknown) => log.warn({ err }, "NATS status watch ended"));
  }

  static async connect(opts: BrokerOptions, log: Logger): Promise<Broker> {
    const security = await connectionSecurity(opts.security ?? {});
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: opts.servers,
        name: opts.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        reconnectJitter: 250,
        waitOnFirstConnect: false,
        pingInterval: 10_000,
        // nats.js captures a stack trace (new Error()) per request and per request timer for
        // nicer timeout traces; profiles showed ~10 % of a worker's CPU going there.
        noAsyncTraces: true,
        ...security,
      });
    } catch (err) {
      throw new UnavailableError(`cannot connect to NATS at ${opts.servers.join(",")}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    let jsm: JetStreamManager;
    try {
      // jetstreamManager() asks JetStream for the account's info: 503 or a timeout while the
      // cluster has no meta leader (e.g. a worker restarted right after a NATS host came back).
      jsm = await untilJetStreamAnswers("connecting", () => nc.jetstreamManager({ timeout: opts.publishTimeoutMs }), log, opts.jetStreamWaitMs);
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw new UnavailableError(`NATS at ${nc.getServer()} answers but JetStream does not: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    log.info({ server: nc.getServer() }, "connected to NATS");
    opts.onConnectionChange?.(true);
    return new Broker(nc, jsm, opts, log);
  }

  get connected(): boolean {
    return this.#connected && !this.nc.isClosed();
  }

  /**
   * Calls `listener` each time the connection is back after an outage (subscriptions already
   * restored); returns the function that removes it.
   */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  /** Throws UnavailableError when the connection is down right now. */
  assertConnected(): void {
    if (!this.connected) throw new UnavailableError("message broker unavailable: NATS connection is down, retry later");
  }

  async #watchStatus(onChange?: (connected: boolean) => void): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === Events.Disconnect) {
        this.#connected = false;
        this.#log.warn({ server: s.data }, "NATS disconnected");
        onChange?.(false);
      } else if (s.type === Events.Reconnect) {
        this.#connected = true;
        this.#log.info({ server: s.data }, "NATS reconnected");
        onChange?.(true);
        for (const listener of this.#reconnectListeners) listener();
      } else if (s.type === Events.Error) {
        this.#log.warn({ err: s.data }, "NATS error");
      }
    }
  }

  /** Flushes pending publishes and closes; safe to call twice. */
  async close(): Promise<void> {
    this.requests.close();
    if (!this.nc.isClosed()) {
      // With NATS down (a worker stopped during an outage) a drain may wait for the server's
      // answer to its flush forever, or resolve without closing the connection (nats.js 2.29):
      // either way closed() never settled and the process did not exit. Past the publish timeout
      // nothing a drain could still deliver will arrive; then, or after a drain that left the
      // connection open, close it.
      const gaveUp = new AbortController();
      await Promise.race([
        this.nc.drain().catch(() => undefined),
        sleep(this.#closeTimeoutMs, undefined, { signal: gaveUp.signal }).catch(() => undefined),
      ]);
      gaveUp.abort();
      if (!this.nc.isClosed()) await this.nc.close();
    }
    await this.nc.closed();
    // Not awaiting #statusLoop: nats.js does not end the status() iterator on close, and a
    // promise nothing will settle leaves an ESM entry point's top-level await hanging (exit 13).
  }
}

/** nats.js connection options for the configured credentials and TLS; files are read once here. */
async function connectionSecurity(s: NatsSecurity): Promise<Partial<ConnectionOptions>> {
  let authenticator: Authenticator | undefined;
  if (s.natsCredsFile) authenticator = credsAuthenticator(await readFile(s.natsCredsFile));
  else if (s.natsNkeySeedFile) authenticator = nkeyAuthenticator(new TextEncoder().encode((await readFile(s.natsNkeySeedFile, "utf8")).trim()));
  else if (s.natsUser !== undefined) authenticator = usernamePasswordAuthenticator(s.natsUser, s.natsPassword);
  const tls = s.natsTlsCaFile || s.natsTlsCertFile
    ? { ...(s.natsTlsCaFile ? { caFile: s.natsTlsCaFile } : {}), ...(s.natsTlsCertFile ? { certFile: s.natsTlsCertFile, keyFile: s.natsTlsKeyFile } : {}) }
    : undefined;
  return { ...(authenticator ? { authenticator } : {}), ...(tls ? { tls } : {}) };
}
