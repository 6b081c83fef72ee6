// Reads the google.rpc details (BadRequest, RetryInfo, ErrorInfo) a gateway error carries in
// `grpc-status-details-bin`, the way a client in any language would.
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { join } from "node:path";
import { PROTO_DIR } from "../../src/api/protos.js";

let root: protobuf.Root | undefined;
function rpcRoot(): protobuf.Root {
  if (!root) {
    root = new protobuf.Root();
    root.resolvePath = (_o, t) => (t.startsWith("google/protobuf/") ? t : join(PROTO_DIR, t.replace(/^.*proto\//, "")));
    root.loadSync(["google/rpc/status.proto", "google/rpc/error_details.proto"]);
  }
  return root;
}

function detail<T>(err: Pick<ServiceError, "metadata">, type: string): T | undefined {
  const raw = (err.metadata ?? new Metadata()).get("grpc-status-details-bin")[0] as Buffer | undefined;
  if (!raw) return undefined;
  const r = rpcRoot();
  const status = r.lookupType("google.rpc.Status").decode(raw) as unknown as { details: { type_url: string; value: Uint8Array }[] };
  const d = status.details.find((x) => x.type_url.endsWith(type));
  return d ? (r.lookupType(type).toObject(r.lookupType(type).decode(d.value), { longs: Number }) as T) : undefined;
}

/** The error's google.rpc.BadRequest violations, or undefined when it carries no BadRequest. */
export function badRequest(err: Pick<ServiceError, "metadata">): { field: string; description: string }[] | undefined {
  const d = detail<{ fieldViolations?: { field?: string; description?: string }[] }>(err, "google.rpc.BadRequest");
  return d && (d.fieldViolations ?? []).map((v) => ({ field: v.field ?? "", description: v.description ?? "" }));
}

/** Fields named by the error's google.rpc.BadRequest. */
export function fieldViolations(err: ServiceError): string[] {
  return badRequest(err)?.map((v) => v.field) ?? [];
}

/** The error's google.rpc.RetryInfo delay in ms, if it has one. */
export function retryDelayMs(err: ServiceError): number | undefined {
  const d = detail<{ retryDelay?: { seconds?: number; nanos?: number } }>(err, "google.rpc.RetryInfo")?.retryDelay;
  return d ? (d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6 : undefined;
}
