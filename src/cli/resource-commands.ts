// Client commands for datasets and models: upload (streamed from a file), get, list, delete.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { call, clientSecurityFromEnv, createDatasetsClient, createModelsClient, uploadDataset } from "../api/client.js";
import type { Dataset__Output } from "../generated/recflow/v1/Dataset.js";
import type { Model__Output } from "../generated/recflow/v1/Model.js";
import type { ListDatasetsResponse__Output } from "../generated/recflow/v1/ListDatasetsResponse.js";
import type { ListModelsResponse__Output } from "../generated/recflow/v1/ListModelsResponse.js";
import { UsageError } from "./output.js";

const CHUNK_BYTES = 64 * 1024;

export async function uploadFile(address: string, file: string, opts: { id?: string; name?: string }): Promise<Dataset__Output> {
  const info = await stat(file).catch(() => {
    throw new UsageError(`cannot read ${file}: no such file`);
  });
  if (!info.isFile()) throw new UsageError(`${file} is not a file`);
  const client = createDatasetsClient(address, {}, clientSecurityFromEnv());
  try {
    return await uploadDataset<Dataset__Output>(client, { datasetId: opts.id, displayName: opts.name ?? file }, createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>);
  } finally {
    client.close();
  }
}

export function printDataset(d: Dataset__Output): void {
  console.log(JSON.stringify({
    id: d.id, name: d.displayName, users: d.users, items: d.items, interactions: d.interactions, rows: d.rows,
    density: Number(d.density.toPrecision(4)), hasTimestamps: d.hasTimestamps, rawBytes: d.rawBytes, compiledBytes: d.compiledBytes,
  }, null, 2));
}

export function printModel(m: Model__Output): void {
  console.log(JSON.stringify({
    id: m.id, algorithm: m.algorithm.replace("ALGORITHM_", "").toLowerCase(), dataset: m.datasetId, task: m.taskId,
    users: m.users, items: m.items, factors: m.factors, iterations: m.iterations, finalLoss: m.finalLoss,
    metrics: m.metrics, baseline: m.baselineMetrics, sizeBytes: m.sizeBytes, trainSeconds: m.trainSeconds,
  }, null, 2));
}

export async function datasetCommand(address: string, action: "get" | "delete" | "list", id?: string): Promise<number> {
  const client = createDatasetsClient(address, {}, clientSecurityFromEnv());
  try {
    if (action === "get") printDataset(await call<object, Dataset__Output>(client.GetDataset.bind(client), { datasetId: id }, { deadlineMs: 10_000 }));
    else if (action === "delete") {
      await call(client.DeleteDataset.bind(client), { datasetId: id }, { deadlineMs: 30_000 });
      console.log(`deleted dataset ${id}`);
    } else {
      const res = await call<object, ListDatasetsResponse__Output>(client.ListDatasets.bind(client), { pageSize: 1000 }, { deadlineMs: 30_000 });
      for (const d of res.datasets) console.log(`${d.id}  users=${d.users} items=${d.items} interactions=${d.interactions}`);
    }
    return 0;
  } finally {
    client.close();
  }
}

export async function modelCommand(address: string, action: "get" | "delete" | "list", id?: string): Promise<number> {
  const client = createModelsClient(address, {}, clientSecurityFromEnv());
  try {
    if (action === "get") printModel(await call<object, Model__Output>(client.GetModel.bind(client), { modelId: id }, { deadlineMs: 10_000 }));
    else if (action === "delete") {
      await call(client.DeleteModel.bind(client), { modelId: id }, { deadlineMs: 30_000 });
      console.log(`deleted model ${id}`);
    } else {
      const res = await call<object, ListModelsResponse__Output>(client.ListModels.bind(client), { pageSize: 1000 }, { deadlineMs: 30_000 });
      for (const m of res.models) console.log(`${m.id}  ${m.algorithm.replace("ALGORITHM_", "").toLowerCase()} dataset=${m.datasetId} users=${m.users} items=${m.items}`);
    }
    return 0;
  } finally {
    client.close();
  }
}
