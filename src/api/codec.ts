// Protobuf encoding of the messages that travel over NATS (TaskMessage, TaskEvent, DeadLetter).
// Decoded objects have exactly the shape grpc-js hands to handlers (the generated __Output types).
import type protobuf from "protobufjs";
import { loadProtos } from "./protos.js";
import type { TaskEvent, TaskEvent__Output } from "../generated/recflow/v1/TaskEvent.js";
import type { TaskMessage, TaskMessage__Output } from "../generated/recflow/v1/TaskMessage.js";
import type { DeadLetter, DeadLetter__Output } from "../generated/recflow/v1/DeadLetter.js";
import type { TaskSpec, TaskSpec__Output } from "../generated/recflow/v1/TaskSpec.js";
import type { Dataset, Dataset__Output } from "../generated/recflow/v1/Dataset.js";
import type { Model, Model__Output } from "../generated/recflow/v1/Model.js";
import type { ModelAlias, ModelAlias__Output } from "../generated/recflow/v1/ModelAlias.js";

/** Bytes that are not a valid encoding of the expected message. */
export class DecodeError extends Error {
  override name = "DecodeError";
}

export interface Codec<In, Out> {
  encode(value: In): Uint8Array;
  decode(bytes: Uint8Array): Out;
  /** Throws DecodeError where `decode` would; cheaper (no plain object is built). */
  check(bytes: Uint8Array): void;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true, oneofs: true };

function codecFor<In, Out>(typeName: string): Codec<In, Out> {
  let type: protobuf.Type | undefined;
  const resolve = (): protobuf.Type => (type ??= loadProtos().root.lookupType(typeName));
  return {
    encode(value: In): Uint8Array {
      const t = resolve();
      return t.encode(t.fromObject(value as Record<string, unknown>)).finish();
    },
    decode(bytes: Uint8Array): Out {
      const t = resolve();
      try {
        return t.toObject(t.decode(bytes), TO_OBJECT) as Out;
      } catch (err) {
        throw new DecodeError(`not a valid ${typeName}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    },
    check(bytes: Uint8Array): void {
      const t = resolve();
      try {
        t.decode(bytes); // toObject only reshapes what decode read: it has nothing left to refuse
      } catch (err) {
        throw new DecodeError(`not a valid ${typeName}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    },
  };
}

export const taskEventCodec = codecFor<TaskEvent, TaskEvent__Output>("recflow.v1.TaskEvent");
export const taskMessageCodec = codecFor<TaskMessage, TaskMessage__Output>("recflow.v1.TaskMessage");
export const deadLetterCodec = codecFor<DeadLetter, DeadLetter__Output>("recflow.v1.DeadLetter");
export const taskSpecCodec = codecFor<TaskSpec, TaskSpec__Output>("recflow.v1.TaskSpec");

export const datasetCodec = codecFor<Dataset, Dataset__Output>("recflow.v1.Dataset");
export const modelCodec = codecFor<Model, Model__Output>("recflow.v1.Model");
export const modelAliasCodec = codecFor<ModelAlias, ModelAlias__Output>("recflow.v1.ModelAlias");
