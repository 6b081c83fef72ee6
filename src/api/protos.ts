// Loads proto/ once per process. grpc-js gets its service definitions from here, and the NATS
// codec encodes internal messages with the same protobufjs types and the same conversion
// options (src/api/proto-options.json, compiled into src/generated/proto-options.ts by
// scripts/gen-types.mjs), so the objects a handler receives, the objects read back from NATS and
// the generated TypeScript types all agree. Nothing here reads src/ at run time: the image has
// only dist/ and proto/ (test/integration/image-tree.test.ts runs that tree).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import type { ProtoGrpcType as TasksGrpc } from "../generated/tasks.js";
import type { ProtoGrpcType as DatasetsGrpc } from "../generated/datasets.js";
import type { ProtoGrpcType as ModelsGrpc } from "../generated/models.js";
import { PROTO_OPTIONS } from "../generated/proto-options.js";

/** All recflow services, as grpc.loadPackageDefinition returns them. */
export type ProtoGrpcType = TasksGrpc & DatasetsGrpc & ModelsGrpc;

const here = dirname(fileURLToPath(import.meta.url));
/** proto/ at the repository (or image) root; the same from src/ and dist/. */
export const PROTO_DIR = join(here, "..", "..", "proto");
export const PROTO_FILES = ["recflow/v1/tasks.proto", "recflow/v1/kinds.proto", "recflow/v1/datasets.proto", "recflow/v1/models.proto", "recflow/v1/internal.proto"];

/** The loader options shared by grpc-js, the NATS codec and the type generator. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: PROTO_OPTIONS.keepCase,
  longs: PROTO_OPTIONS.longs === "Number" ? Number : String,
  enums: String,
  defaults: PROTO_OPTIONS.defaults,
  oneofs: PROTO_OPTIONS.oneofs,
  includeDirs: [PROTO_DIR],
};

export interface LoadedProtos {
  packageDefinition: protoLoader.PackageDefinition;
  grpcObject: ProtoGrpcType;
  root: protobuf.Root;
}

let cached: LoadedProtos | undefined;

export function loadProtos(): LoadedProtos {
  if (cached) return cached;
  const packageDefinition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
  const grpcObject = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    // Well-known types (google/protobuf/*) are bundled with protobufjs as "common" protos.
    if (target.startsWith("google/protobuf/")) return target;
    return join(PROTO_DIR, target.startsWith(PROTO_DIR) ? target.slice(PROTO_DIR.length + 1) : target);
  };
  root.loadSync(PROTO_FILES, { keepCase: PROTO_OPTIONS.keepCase });
  root.resolveAll();
  cached = { packageDefinition, grpcObject, root };
  return cached;
}
