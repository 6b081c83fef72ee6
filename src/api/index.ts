// Public surface of the API layer: generated message types and the loaded service definitions.
export type { ProtoGrpcType as TasksProto } from "../generated/tasks.js";
