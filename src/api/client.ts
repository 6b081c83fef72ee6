// A typed gRPC client for TasksService, used by the CLI, the tests and the benchmarks.
import * as grpc from "@grpc/grpc-js";
import type { TasksServiceClient } from "../generated/recflow/v1/TasksService.js";
import type { DatasetsServiceClient } from "../generated/recflow/v1/DatasetsService.js";
import type { ModelsServiceClient } from "../generated/recflow/v1/ModelsService.js";
import { loadProtos } from "./protos.js";

export type { TasksServiceClient, DatasetsServiceClient, ModelsServiceClient };

const CLIENT_OPTIONS: grpc.ClientOptions = { "grpc.max_receive_message_length": 16 * 1024 * 1024 };

export function createTasksClient(address: string, options: grpc.ClientOptions = {}): TasksServiceClient {
  return new (loadProtos().grpcObject.recflow.v1.TasksService)(address, grpc.credentials.createInsecure(), { ...CLIENT_OPTIONS, ...options });
}

export function createDatasetsClient(address: string, options: grpc.ClientOptions = {}): DatasetsServiceClient {
  return new (loadProtos().grpcObject.recflow.v1.DatasetsService)(address, grpc.credentials.createInsecure(), { ...CLIENT_OPTIONS, ...options });
}

export function createModelsClient(address: string, options: grpc.ClientOptions = {}): ModelsServiceClient {
  return new (loadProtos().grpcObject.recflow.v1.ModelsService)(address, grpc.credentials.createInsecure(), { ...CLIENT_OPTIONS, ...options });
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
