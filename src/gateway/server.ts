// The gateway process: a stateless gRPC server in front of NATS. Any number of replicas.
// Health is SERVING only while NATS is connected and the gateway is not draining.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import { ReflectionService } from "@grpc/reflection";
import { loadProtos } from "../api/protos.js";
import type { RecflowConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import type { Logger } from "../log.js";
import { Broker, EventFeed, countDeadLetters, EventLog, TaskQueue, ensureTopology, openStores } from "../nats/index.js";
import { readFileSync } from "node:fs";
import { setMaxListeners } from "node:events";
import { createAuthenticator, type Authenticator } from "./auth.js";
import { TenantQuotas } from "./quotas.js";
import { tasksService } from "./tasks-service.js";
import { createMetrics, serveMetrics } from "../metrics.js";
import { createTracing, type Tracing } from "../tracing.js";
import type { Server as HttpServer } from "node:http";
import { datasetsReadService, modelsService } from "./resources-service.js";
import { uploadDatasetHandler } from "./dataset-upload.js";
import { modelAliasesService } from "./model-aliases-service.js";
import { DecodeGuardedServer } from "./request-decoding.js";
import { passEncodedEvents } from "./watch-stream.js";

const SERVICES = ["", "recflow.v1.TasksService", "recflow.v1.DatasetsService", "recflow.v1.ModelsService"];

export interface GatewayOptions {
  config: RecflowConfig;
  log: Logger;
  auth?: Authenticator;
}

export class Gateway {
  readonly port: number;
  readonly metricsPort: number | undefined;
  readonly #metricsServer: HttpServer | undefined;
  readonly #stopMetrics: () => void;
  readonly #closeAuth: () => void;
  readonly #tracing: Tracing | undefined;
  readonly #server: grpc.Server;
  readonly #broker: Broker;
  readonly #feed: EventFeed;
  readonly #shutdown: AbortController;
  readonly #log: Logger;
  #closing: Promise<void> | undefined;

  private constructor(parts: { port: number; server: grpc.Server; broker: Broker; feed: EventFeed; shutdown: AbortController; log: Logger; metrics?: { server: HttpServer; port: number }; stopMetrics: () => void; closeAuth: () => void; tracing: Tracing | undefined }) {
    this.port = parts.port;
    this.metricsPort = parts.metrics?.port;
    this.#metricsServer = parts.metrics?.server;
    this.#stopMetrics = parts.stopMetrics;
    this.#closeAuth = parts.closeAuth;
    this.#tracing = parts.tracing;
    this.#server = parts.server;
    this.#broker = parts.broker;
    this.#feed = parts.feed;
    this.#shutdown = parts.shutdown;
    this.#log = parts.log;
  }

  static async start(opts: GatewayOptions): Promise<Gateway> {
    const { config, log } = opts;
    const health = new HealthImplementation(Object.fromEntries(SERVICES.map((s) => [s, "NOT_SERVING" as const])));
    let draining = false;
    let wasUp = true;
    let onReconnect = (): void => undefined;
    const setServing = (up: boolean): void => {
      if (up && !wasUp) onReconnect();
      wasUp = up;
      for (const s of SERVICES) health.setStatus(s, up && !draining ? "SERVING" : "NOT_SERVING");
    };
    // Credentials first: a bad tenants file stops the gateway before it touches NATS.
    const auth = opts.auth ?? createAuthenticator(config, log.child({ component: "auth" }));
    const closeAuth = (): void => auth.close();
    let broker: Broker;
    try {
      broker = await Broker.connect({
        servers: config.natsServers,
        name: `recflow-gateway-${config.instanceId}`,
        publishTimeoutMs: config.publishTimeoutMs,
        security: config,
        onConnectionChange: (up) => setServing(up),
      }, log.child({ component: "nats" }));
    } catch (err) {
      closeAuth();
      throw err;
    }
    try {
      await ensureTopology(broker.jsm, config, log);
      const { datasets, models, aliases } = await openStores(broker, config.streamReplicas, log);
      const events = new EventLog(broker, config);
      const feed = new EventFeed(broker, events, log.child({ component: "event-feed" }), { maxBufferedPerWatch: config.watchBufferEvents });
      await feed.start();
      const queue = new TaskQueue(broker, log);
      const metrics = createMetrics("gateway", { activeWatches: () => feed.watches, queueDepth: () => queue.depth(), watchCache: () => feed.cached, deadLetters: () => countDeadLetters(broker) });
      onReconnect = () => metrics.natsReconnects.inc();
      const tracing = createTracing("gateway", metrics.registry, log);
      const shutdown = new AbortController();
      // Every open watch listens for shutdown: thousands of listeners are expected, not a leak.
      setMaxListeners(0, shutdown.signal);
      shutdown.signal.addEventListener("abort", () => {
        draining = true;
        setServing(false);
      });
      const { grpcObject, packageDefinition } = loadProtos();
      const decodingLog = log.child({ component: "request-decoding" });
      // A body that is not protobuf is the client's mistake: counted, logged at debug, no stack.
      const server = new DecodeGuardedServer({
        "grpc.max_receive_message_length": config.maxRequestBytes,
        // A BatchSubmitTasks answer echoes its request's specs (plus ids and status per task).
        "grpc.max_send_message_length": Math.max(config.maxEventBytes, config.maxRequestBytes) + 1024 * 1024,
        "grpc.keepalive_time_ms": 60_000,
        "grpc.keepalive_permit_without_calls": 1,
      }, (method, reason) => {
        metrics.undecodableRequests.inc({ method });
        decodingLog.debug({ method, reason }, "undecodable request body; answered INVALID_ARGUMENT");
      });
      const quotas = new TenantQuotas(auth, (tenant) => queue.countOf(tenant));
      // The watches send events the feed holds encoded as those bytes (watch-stream.ts).
      server.addService(passEncodedEvents(grpcObject.recflow.v1.TasksService.service), tasksService({
        broker, events, feed, queue, metrics, auth, quotas, aliases, log: log.child({ component: "tasks" }), shutdown: shutdown.signal, tracing,
        limits: { maxK: config.maxK, maxRetriesLimit: config.maxRetriesLimit, defaultMaxRetries: config.defaultMaxRetries, maxSpecBytes: config.maxSpecBytes },
      }));
      const resourceLog = log.child({ component: "resources" });
      server.addService(grpcObject.recflow.v1.DatasetsService.service, {
        ...datasetsReadService({ datasets, auth, log: resourceLog }),
        UploadDataset: uploadDatasetHandler({ datasets, auth, log: resourceLog, limits: config }),
      });
      server.addService(grpcObject.recflow.v1.ModelsService.service, {
        ...modelsService({ models, auth, log: resourceLog }),
        ...modelAliasesService({ aliases, models, auth, log: resourceLog }),
      });
      health.addToServer(server);
      // Reflection describes everything served here, health included (for grpcurl and friends).
      const healthDefinition = protoLoader.loadSync(healthProtoPath);
      new ReflectionService({ ...packageDefinition, ...healthDefinition }).addToServer(server);
      const port = await new Promise<number>((resolve, reject) => {
        server.bindAsync(config.grpcAddress, serverCredentials(config), (err, p) => (err ? reject(err) : resolve(p)));
      });
      setServing(broker.connected);
      const metricsServer = config.metricsAddress ? await serveMetrics(config.metricsAddress, metrics.registry, () => broker.connected && !draining) : undefined;
      log.info({ address: config.grpcAddress, port, metricsPort: metricsServer?.port }, "gateway listening");
      return new Gateway({ port, server, broker, feed, shutdown, log, metrics: metricsServer, stopMetrics: () => metrics.stop(), closeAuth, tracing });
    } catch (err) {
      closeAuth();
      await broker.close();
      throw err;
    }
  }

  get activeWatches(): number {
    return this.#feed.watches;
  }

  /**
   * Graceful stop: health NOT_SERVING, open watches end with UNAVAILABLE (clients resume with
   * after_sequence elsewhere), unary calls in flight finish, then the server and NATS close.
   * After `graceMs` remaining calls are cut.
   */
  close(graceMs = 10_000): Promise<void> {
    this.#closing ??= (async () => {
      this.#log.info("gateway draining");
      this.#shutdown.abort();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#log.warn({ graceMs }, "grace period over; forcing shutdown");
          this.#server.forceShutdown();
          resolve();
        }, graceMs);
        timer.unref();
        this.#server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await this.#feed.stop();
      await this.#broker.close();
      this.#metricsServer?.close();
      this.#stopMetrics();
      this.#closeAuth();
      await this.#tracing?.shutdown();
      this.#log.info("gateway stopped");
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Plaintext unless a certificate is configured; mutual TLS when a client CA is configured too. */
export function serverCredentials(config: Pick<RecflowConfig, "tlsCertFile" | "tlsKeyFile" | "tlsClientCaFile">): grpc.ServerCredentials {
  if (!config.tlsCertFile || !config.tlsKeyFile) return grpc.ServerCredentials.createInsecure();
  const read = (file: string, key: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(`${key}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const keyPair = { cert_chain: read(config.tlsCertFile, "RECFLOW_TLS_CERT_FILE"), private_key: read(config.tlsKeyFile, "RECFLOW_TLS_KEY_FILE") };
  const clientCa = config.tlsClientCaFile ? read(config.tlsClientCaFile, "RECFLOW_TLS_CLIENT_CA_FILE") : null;
  return grpc.ServerCredentials.createSsl(clientCa, [keyPair], clientCa !== null);
}
