// A typed gRPC client for TasksService, used by the CLI, the tests and the benchmarks.
import * as grpc from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import type { TasksServiceClient } from "../generated/recflow/v1/TasksService.js";
import type { DatasetsServiceClient } from "../generated/recflow/v1/DatasetsService.js";
import type { ModelsServiceClient } from "../generated/recflow/v1/ModelsService.js";
import { loadProtos } from "./protos.js";

export type { TasksServiceClient, DatasetsServiceClient, ModelsServiceClient };

const CLIENT_OPTIONS: grpc.ClientOptions = { "grpc.max_receive_message_length": 16 * 1024 * 1024 };

/** How a client reaches a gateway that has TLS and/or tenants turned on. Empty: plaintext, no token. */
export interface ClientSecurity {
  /** Bearer token, sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** TLS to the gateway: CA to trust (system roots when absent), client cert for mTLS. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string };
}

/** Client security from RECFLOW_TOKEN and RECFLOW_TLS_* (what the CLI uses). */
export function clientSecurityFromEnv(env: Record<string, string | undefined> = process.env): ClientSecurity {
  const v = (k: string): string | undefined => (env[k] === undefined || env[k] === "" ? undefined : env[k]);
  const caFile = v("RECFLOW_TLS_CA_FILE");
  const certFile = v("RECFLOW_TLS_CLIENT_CERT_FILE");
  const keyFile = v("RECFLOW_TLS_CLIENT_KEY_FILE");
  const serverName = v("RECFLOW_TLS_SERVER_NAME");
  const tlsOn = caFile !== undefined || certFile !== undefined || ["1", "true", "yes"].includes((env.RECFLOW_TLS ?? "").toLowerCase());
  return {
    ...(v("RECFLOW_TOKEN") ? { token: v("RECFLOW_TOKEN") } : {}),
    ...(tlsOn ? { tls: { caFile, certFile, keyFile, serverName } } : {}),
  };
}

function channel(security: ClientSecurity, options: grpc.ClientOptions): [grpc.ChannelCredentials, grpc.ClientOptions] {
  let credentials = grpc.credentials.createInsecure();
  const merged: grpc.ClientOptions = { ...CLIENT_OPTIONS, ...options };
  if (security.tls) {
    const { caFile, certFile, keyFile, serverName } = security.tls;
    credentials = grpc.credentials.createSsl(
      caFile ? readFileSync(caFile) : null,
      keyFile ? readFileSync(keyFile) : null,
      certFile ? readFileSync(certFile) : null,
    );
    if (serverName) merged["grpc.ssl_target_name_override"] = serverName;
  }
  const token = security.token;
  if (token !== undefined) {
    // An interceptor rather than call credentials: grpc-js sends call credentials only over TLS,
    // and a token on a plaintext loopback (dev with tenants) is still useful.
    const withToken: grpc.Interceptor = (opts, nextCall) => new grpc.InterceptingCall(nextCall(opts), {
      start(metadata, listener, next) {
        metadata.set("authorization", `Bearer ${token}`);
        next(metadata, listener);
      },
    });
    merged.interceptors = [...(merged.interceptors ?? []), withToken];
  }
  return [credentials, merged];
}

export function createTasksClient(address: string, options: grpc.ClientOptions = {}, security: ClientSecurity = {}): TasksServiceClient {
  return new (loadProtos().grpcObject.recflow.v1.TasksService)(address, ...channel(security, options));
}

export function createDatasetsClient(address: string, options: grpc.ClientOptions = {}, security: ClientSecurity = {}): DatasetsServiceClient {
  return new (loadProtos().grpcObject.recflow.v1.DatasetsService)(address, ...channel(security, options));
}

export function createModelsClient(address: string, options: grpc.ClientOptions = {}, security: ClientSecurity = {}): ModelsServiceClient {
  return new (loadProtos().grpcObject.recflow.v1.ModelsService)(address, ...channel(security, options));
}

/** Streams `chunks` as an UploadDataset call, honouring back-pressure; resolves with the dataset. */
export async function uploadDataset<T>(
  client: DatasetsServiceClient,
  metadata: { datasetId?: string; displayName?: string; labels?: Record<string, string> },
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<T> {
  let resolveResult!: (v: T) => void;
  let rejectResult!: (e: grpc.ServiceError) => void;
  const result = new Promise<T>((res, rej) => {
    resolveResult = res;
    rejectResult = rej;
  });
  const call = client.UploadDataset((err, res) => (err ? rejectResult(err) : resolveResult(res as T)));
  let failed = false;
  void result.catch(() => {
    failed = true;
  });
  const write = (msg: object): Promise<void> =>
    call.write(msg) ? Promise.resolve() : new Promise<void>((r) => call.once("drain", () => r()));
  await write({ metadata: { datasetId: metadata.datasetId ?? "", displayName: metadata.displayName ?? "", labels: metadata.labels ?? {} } });
  for await (const chunk of chunks) {
    if (failed) break; // the server already answered (e.g. a bad row): stop sending
    await write({ chunk });
  }
  call.end();
  return result;
}

/** Promise form of a unary call. */
export function call<Req, Res>(
  fn: (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown,
  req: Req,
  opts: { deadlineMs?: number; metadata?: grpc.Metadata } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const callOpts: grpc.CallOptions = opts.deadlineMs ? { deadline: Date.now() + opts.deadlineMs } : {};
    fn(req, opts.metadata ?? new grpc.Metadata(), callOpts, (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}
