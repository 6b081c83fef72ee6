// A request body that is not valid protobuf is the client's fault: INVALID_ARGUMENT, for every
// method of every service the gateway serves. grpc-js decodes each request message in its base
// call, before any interceptor or handler sees it, and answers INTERNAL "Error deserializing
// request" when the deserializer throws (server-interceptors.ts, decompressAndMaybePush). So each
// method's deserializer is wrapped to return an UndecodableRequest instead of throwing, and one
// server interceptor turns that value into the status; no handler ever receives it.
import * as grpc from "@grpc/grpc-js";
import { undecodableRequestStatus } from "./grpc-status.js";

/** What a guarded deserializer returns in place of a message it could not decode. */
class UndecodableRequest {
  constructor(readonly reason: string) {}
}

/** Decoder messages describe the client's bytes ("index out of range: 3 + 5 > 3"); keep them short. */
const MAX_REASON_CHARS = 200;

/**
 * Throws unless `bytes` is a well-formed sequence of protobuf fields. protobufjs's Node reader
 * clamps a string that runs past the end of the body instead of failing (BufferReader.string), so
 * the truncated body 12 05 2a "decodes" as a message whose field 2 is "*". A truncated body always
 * breaks the framing of the top-level field it was cut in, so checking the top level catches every
 * truncation; it reads only tags and lengths, never the contents of a length-delimited field.
 */
export function checkWireFormat(bytes: Uint8Array): void {
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= bytes.length) throw new Error(`varint runs past the end of the body at offset ${pos}`);
      const b = bytes[pos++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new Error(`varint longer than 10 bytes at offset ${pos}`);
  };
  const skip = (n: number, field: number): void => {
    if (n > bytes.length - pos) throw new Error(`field ${field} (${n} bytes) runs past the end of the body at offset ${pos}`);
    pos += n;
  };
  // Field numbers of the groups (wire type 3) still open, innermost last.
  const groups: number[] = [];
  while (pos < bytes.length) {
    const at = pos;
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 0) throw new Error(`field number 0 at offset ${at}`);
    switch (wireType) {
      case 0: varint(); break;
      case 1: skip(8, field); break;
      case 2: skip(varint(), field); break;
      case 3: groups.push(field); break;
      case 4:
        if (groups.pop() !== field) throw new Error(`unmatched end of group ${field} at offset ${at}`);
        break;
      case 5: skip(4, field); break;
      default: throw new Error(`invalid wire type ${wireType} at offset ${at}`);
    }
  }
  if (groups.length > 0) throw new Error(`group ${groups[groups.length - 1]} is not closed`);
}

function guardDefinition(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const guarded: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(service) as [string, grpc.MethodDefinition<unknown, unknown>][]) {
    const decode = method.requestDeserialize;
    guarded[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          checkWireFormat(bytes);
          return decode(bytes);
        } catch (err) {
          return new UndecodableRequest((err instanceof Error ? err.message : String(err)).slice(0, MAX_REASON_CHARS));
        }
      },
    };
  }
  return guarded;
}

/** Told about every undecodable request, e.g. to count it; the client already has its status. */
export type UndecodableRequestListener = (method: string, reason: string) => void;

function undecodableRequestInterceptor(onUndecodable: UndecodableRequestListener): grpc.ServerInterceptor {
  return (method, call) => new grpc.ServerInterceptingCall(call, {
    start: (next) => next({
      onReceiveMessage: (message, pass) => {
        if (!(message instanceof UndecodableRequest)) {
          pass(message);
          return;
        }
        // The message is not passed on: sending the status ends the call, and grpc-js then tells
        // the handler (a client stream such as UploadDataset may be running) it was cancelled.
        onUndecodable(method.path, message.reason);
        call.sendStatus(undecodableRequestStatus(method.path, message.reason));
      },
    }),
  });
}

/**
 * A grpc.Server whose every service, including those that add themselves (health, reflection),
 * answers an undecodable request body with INVALID_ARGUMENT and a BadRequest detail.
 */
export class DecodeGuardedServer extends grpc.Server {
  constructor(options: grpc.ServerOptions, onUndecodable: UndecodableRequestListener) {
    super({ ...options, interceptors: [...(options.interceptors ?? []), undecodableRequestInterceptor(onUndecodable)] });
  }

  override addService(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    super.addService(guardDefinition(service), implementation);
  }
}
