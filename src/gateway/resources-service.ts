// DatasetsService (Get/List/Delete; Upload lives in dataset-upload.ts) and ModelsService: thin
// reads and deletes over the Object Store catalogs, scoped to the caller's tenant.
import type * as grpc from "@grpc/grpc-js";
import type { DatasetsServiceHandlers } from "../generated/recflow/v1/DatasetsService.js";
import type { GetDatasetRequest__Output } from "../generated/recflow/v1/GetDatasetRequest.js";
import type { ListDatasetsRequest__Output } from "../generated/recflow/v1/ListDatasetsRequest.js";
import type { DeleteDatasetRequest__Output } from "../generated/recflow/v1/DeleteDatasetRequest.js";
import type { Dataset, Dataset__Output } from "../generated/recflow/v1/Dataset.js";
import type { ListDatasetsResponse } from "../generated/recflow/v1/ListDatasetsResponse.js";
import type { DeleteDatasetResponse } from "../generated/recflow/v1/DeleteDatasetResponse.js";
import type { ModelsServiceHandlers } from "../generated/recflow/v1/ModelsService.js";
import { NotFoundError, ValidationError } from "../errors.js";
import type { DatasetCatalog, ModelCatalog } from "../nats/index.js";
import type { Logger } from "../log.js";
import type { Authenticator } from "./auth.js";
import { toGrpcStatus } from "./grpc-status.js";
import { validateResourceId } from "./validation.js";
import { readCompiledDatasetInfo } from "../nats/catalog.js";

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

export function unary<Req, Res>(log: Logger, fn: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call).then((res) => callback(null, res), (err: unknown) => callback(toGrpcStatus(err, log)));
  };
}

/** One page of sorted ids after the page token's id; tokens are opaque to clients. */
export function page(ids: string[], pageSize: number, pageToken: string): { ids: string[]; nextPageToken: string } {
  if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) throw ValidationError.field("page_size", `must be from 0 to ${MAX_PAGE_SIZE}`);
  let after = "";
  if (pageToken !== "") {
    const decoded = Buffer.from(pageToken, "base64url").toString("utf8");
    if (!decoded.startsWith("after:")) throw ValidationError.field("page_token", "is not a token returned by this list call");
    after = decoded.slice("after:".length);
  }
  const rest = ids.filter((id) => id > after);
  const size = pageSize || DEFAULT_PAGE_SIZE;
  const slice = rest.slice(0, size);
  const nextPageToken = rest.length > size ? Buffer.from(`after:${slice[slice.length - 1]}`).toString("base64url") : "";
  return { ids: slice, nextPageToken };
}

export const DATASET_PARTS = ["raw", "compiled"];

/**
 * A dataset's meta as the upload wrote it, with the exact counts of its compiled form once a
 * worker compiled it (its first use) from the same raw text. The meta itself is never rewritten
 * after the upload: a worker writing it could resurrect a dataset deleted meanwhile.
 */
export async function withCompiledCounts(datasets: DatasetCatalog, tenant: string, meta: Dataset__Output): Promise<Dataset__Output> {
  if (Number(meta.compiledBytes) > 0) return meta;
  const [raw, compiled] = await Promise.all([datasets.payloadInfo(tenant, meta.id, "raw"), datasets.payloadInfo(tenant, meta.id, "compiled")]);
  const c = compiled ? readCompiledDatasetInfo(compiled.metadata) : undefined;
  if (!raw || !compiled || !c || c.source !== raw.digest) return meta;
  const { users, items, interactions } = c;
  return { ...meta, users, items, interactions, density: users && items ? interactions / (users * items) : 0, compiledBytes: compiled.size, countsEstimated: false };
}
export const MODEL_PARTS = ["model"];

export function datasetsReadService(deps: { datasets: DatasetCatalog; auth: Authenticator; log: Logger }): Omit<DatasetsServiceHandlers, "UploadDataset"> {
  const { datasets, auth, log } = deps;
  return {
    GetDataset: unary<GetDatasetRequest__Output, Dataset>(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const id = validateResourceId("dataset_id", call.request.datasetId);
      const meta = await datasets.meta(tenant, id);
      if (!meta) throw new NotFoundError(`dataset ${id} not found`);
      return withCompiledCounts(datasets, tenant, meta);
    }),
    ListDatasets: unary<ListDatasetsRequest__Output, ListDatasetsResponse>(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const p = page(await datasets.ids(tenant), call.request.pageSize, call.request.pageToken);
      const metas = await Promise.all(p.ids.map((id) => datasets.meta(tenant, id)));
      const found = metas.filter((m) => m !== null);
      return { datasets: await Promise.all(found.map((m) => withCompiledCounts(datasets, tenant, m))), nextPageToken: p.nextPageToken };
    }),
    DeleteDataset: unary<DeleteDatasetRequest__Output, DeleteDatasetResponse>(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const id = validateResourceId("dataset_id", call.request.datasetId);
      if (!(await datasets.remove(tenant, id, DATASET_PARTS))) throw new NotFoundError(`dataset ${id} not found`);
      return {};
    }),
  };
}

/** ModelsService's model calls; the alias calls are in model-aliases-service.ts. */
export function modelsService(deps: { models: ModelCatalog; auth: Authenticator; log: Logger }): Pick<ModelsServiceHandlers, "GetModel" | "ListModels" | "DeleteModel"> {
  const { models, auth, log } = deps;
  return {
    GetModel: unary(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const id = validateResourceId("model_id", call.request.modelId);
      const meta = await models.meta(tenant, id);
      if (!meta) throw new NotFoundError(`model ${id} not found`);
      return meta;
    }),
    ListModels: unary(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const p = page(await models.ids(tenant), call.request.pageSize, call.request.pageToken);
      const metas = await Promise.all(p.ids.map((id) => models.meta(tenant, id)));
      return { models: metas.filter((m) => m !== null), nextPageToken: p.nextPageToken };
    }),
    DeleteModel: unary(log, async (call) => {
      const tenant = auth.tenantOf(call.metadata);
      const id = validateResourceId("model_id", call.request.modelId);
      if (!(await models.remove(tenant, id, MODEL_PARTS))) throw new NotFoundError(`model ${id} not found`);
      return {};
    }),
  };
}
