// `recflow ui`: the web dashboard. A small node:http server that serves the bundled assets (no
// CDN: they are compiled into src/generated/ui-assets.ts), answers the browser's JSON API by
// calling the gateway over gRPC with the logged-in user's token, and streams the live task list
// as server-sent events. See docs/architecture.md ("Dashboard").
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Metadata } from "@grpc/grpc-js";
import { call, type ClientSecurity } from "../api/client.js";
import type { RecflowConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import { createAuthenticator, type Authenticator } from "../gateway/index.js";
import { UI_ASSETS } from "../generated/ui-assets.js";
import type { Logger } from "../log.js";
import { matchRoute } from "./api-routes.js";
import { DeadLetterDesk } from "./dead-letter-desk.js";
import { openGatewayClients } from "./gateway-clients.js";
import { HttpError, httpErrorOf, readJson, sendJson } from "./http-json.js";
import { QueueSampler } from "./queue-sampler.js";
import { WorkerDirectory } from "../nats/worker-registry.js";
import { SessionStore, sessionCookie, type Session } from "./sessions.js";

export interface UiOptions {
  /** Gateway to call, host:port. */
  gatewayAddress: string;
  /** Where the dashboard listens. @default "127.0.0.1:8080" */
  listenAddress?: string;
  /** The gateway's Prometheus endpoint, for the queue chart; none: no chart. @default "" */
  metricsUrl?: string;
  /** TLS to the gateway (the token comes from each user's login). @default {} */
  tls?: ClientSecurity["tls"];
  /** How often the queue chart samples. @default 2000 */
  sampleIntervalMs?: number;
  /** Samples kept: 10 minutes at the default interval. @default 300 */
  sampleCapacity?: number;
  /** A session unused this long is forgotten. @default 43200000 (12 h) */
  sessionIdleMs?: number;
}

export const DEFAULT_UI_ADDRESS = "127.0.0.1:8080";
const DEFAULT_SAMPLE_INTERVAL_MS = 2_000;
const DEFAULT_SAMPLE_CAPACITY = 300;
const DEFAULT_SESSION_IDLE_MS = 12 * 3600_000;

type CompiledUiOptions = Required<Omit<UiOptions, "tls">> & Pick<UiOptions, "tls">;

export function compileUiOptions(o: UiOptions): CompiledUiOptions {
  const listenAddress = o.listenAddress ?? DEFAULT_UI_ADDRESS;
  if (!/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/.test(listenAddress)) throw new ConfigError(`--listen "${listenAddress}" is not host:port`);
  return {
    gatewayAddress: o.gatewayAddress,
    listenAddress,
    metricsUrl: o.metricsUrl ?? "",
    tls: o.tls,
    sampleIntervalMs: o.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS,
    sampleCapacity: o.sampleCapacity ?? DEFAULT_SAMPLE_CAPACITY,
    sessionIdleMs: o.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS,
  };
}

// No inline script or style, nothing from elsewhere: an injected string cannot run.
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/**
 * The dashboard speaks plain HTTP; behind a TLS proxy (the way to run it) the browser's page is
 * https, so the cookie is marked Secure. A client that sends the header itself only makes its
 * own cookie unusable over http: nothing to gain.
 */
function behindTls(req: IncomingMessage): boolean {
  return req.headers["x-forwarded-proto"] === "https";
}

export class UiServer implements AsyncDisposable {
  readonly #server: Server;
  readonly #opts: CompiledUiOptions;
  readonly #sessions: SessionStore;
  readonly #auth: Authenticator;
  readonly #desk: DeadLetterDesk;
  readonly #sampler: QueueSampler | undefined;
  readonly #stop = new AbortController();
  readonly #log: Logger;
  readonly #replicas: number;
  #workers: Promise<WorkerDirectory> | undefined;

  private constructor(opts: CompiledUiOptions, auth: Authenticator, desk: DeadLetterDesk, log: Logger, replicas: number) {
    this.#opts = opts;
    this.#auth = auth;
    this.#desk = desk;
    this.#log = log;
    this.#replicas = replicas;
    this.#sessions = new SessionStore(opts.sessionIdleMs);
    this.#sampler = opts.metricsUrl ? new QueueSampler({ metricsUrl: opts.metricsUrl, intervalMs: opts.sampleIntervalMs, capacity: opts.sampleCapacity, log }) : undefined;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Starts the dashboard; `config` gives NATS (dead letters) and the tenants file (who a token is). */
  static async start(options: UiOptions, config: RecflowConfig, log: Logger): Promise<UiServer> {
    const opts = compileUiOptions(options);
    const auth = createAuthenticator(config, log);
    const desk = await DeadLetterDesk.open(config, log);
    const ui = new UiServer(opts, auth, desk, log, config.streamReplicas);
    const [host, port] = [opts.listenAddress.replace(/:\d+$/, "").replace(/^\[|\]$/g, ""), Number(/:(\d+)$/.exec(opts.listenAddress)?.[1])];
    await new Promise<void>((resolve, reject) => {
      ui.#server.once("error", reject);
      ui.#server.listen(port, host, () => resolve());
    });
    if (ui.#sampler) void ui.#sampler.run(ui.#stop.signal);
    return ui;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    try {
      const url = new URL(req.url ?? "/", "http://dashboard.invalid");
      if (!url.pathname.startsWith("/api/")) return this.#asset(req, res, url.pathname);
      if (req.method === "POST") this.#checkOrigin(req);
      if (url.pathname === "/api/login" && req.method === "POST") return await this.#login(req, res);
      const session = this.#sessions.of(req);
      // 200 either way: the first page asks before anyone logged in, and a 401 is a console error.
      if (url.pathname === "/api/session" && req.method === "GET") return sendJson(res, 200, session ? { loggedIn: true, tenant: session.tenant, csrf: session.csrf } : { loggedIn: false });
      if (!session) throw new HttpError(401, "log in first");
      if (req.method === "POST" && !SessionStore.csrfOk(req, session)) throw new HttpError(403, "missing or wrong CSRF token (x-csrf-token)");
      if (url.pathname === "/api/logout" && req.method === "POST") return this.#logout(req, res, session);
      const route = matchRoute(req.method ?? "GET", url.pathname);
      if (route === undefined) throw new HttpError(404, `no such API: ${url.pathname}`);
      if (route === "wrong-method") throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}`);
      await route.handler({ req, res, url, session, params: route.params, desk: this.#desk, sampler: this.#sampler, workers: () => this.#workerDirectory() });
    } catch (err) {
      const { status, message, grpcCode } = httpErrorOf(err);
      if (status >= 500) this.#log.error({ err, path: req.url }, "dashboard request failed");
      if (res.headersSent) res.end();
      else sendJson(res, status, { error: message, ...(grpcCode ? { code: grpcCode } : {}) });
    }
  }

  /** The workers bucket (created if no worker has yet); a failed open is retried next time. */
  #workerDirectory(): Promise<WorkerDirectory> {
    this.#workers ??= WorkerDirectory.open(this.#desk.broker, { replicas: this.#replicas }).catch((err: unknown) => {
      this.#workers = undefined;
      throw err;
    });
    return this.#workers;
  }

  /** A POST from another site's page is refused even before the CSRF check (defence in depth). */
  #checkOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== "null" && new URL(origin).host !== req.headers.host) throw new HttpError(403, "cross-origin request refused");
    if (origin === "null") throw new HttpError(403, "cross-origin request refused");
  }

  #asset(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "assets are GET only");
    // Every page is the same document; the client routes on location.hash.
    const asset = UI_ASSETS[pathname === "/" ? "/index.html" : pathname];
    if (!asset) throw new HttpError(404, `no such page: ${pathname}`);
    res.writeHead(200, { "content-type": asset.type, "content-length": Buffer.byteLength(asset.body), "cache-control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : asset.body);
  }

  async #login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const token = typeof body.token === "string" ? body.token.trim() : "";
    const md = new Metadata();
    if (token !== "") md.set("authorization", `Bearer ${token}`);
    let tenant: string;
    try {
      tenant = this.#auth.tenantOf(md);
    } catch {
      throw new HttpError(401, "unknown token");
    }
    const clients = openGatewayClients(this.#opts.gatewayAddress, { ...(token !== "" ? { token } : {}), ...(this.#opts.tls ? { tls: this.#opts.tls } : {}) });
    try {
      // The gateway has the last word: a token it refuses never gets a session.
      await call(clients.tasks.ListTasks.bind(clients.tasks), { pageSize: 1 }, { deadlineMs: 10_000 });
    } catch (err) {
      clients.close();
      throw err;
    }
    const session = this.#sessions.create(tenant, clients);
    res.setHeader("set-cookie", sessionCookie(session.id, Math.floor(this.#opts.sessionIdleMs / 1000), behindTls(req)));
    sendJson(res, 200, { tenant, csrf: session.csrf });
  }

  #logout(req: IncomingMessage, res: ServerResponse, session: Session): void {
    this.#sessions.delete(session);
    res.setHeader("set-cookie", sessionCookie("", 0, behindTls(req)));
    sendJson(res, 200, {});
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#sessions.close();
    this.#auth.close();
    await this.#desk.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
