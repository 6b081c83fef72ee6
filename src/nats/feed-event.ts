// A task event as the gateway's live feed holds it: the raw bytes and the few fields the feed
// needs to route, cache and end watches (sequence, task, which event it is), with the full
// protobuf decode left to the first reader. The feed sees every event of every task, and most
// are read by no one (nobody watches the task, or its watch began after the cache forgot it):
// those are never decoded.
//
// Watches send it as it is stored (`wire`): the stored bytes followed by field 2, the sequence
// the stored bytes lack. Protobuf merges a trailing scalar field (the last one wins), so a client
// decodes exactly the event with its sequence, and the gateway neither decodes it per watcher nor
// serializes it again per watcher (grpc-js's serializer passes bytes through for the watch
// methods, gateway/watch-stream.ts). The bytes are still checked by a full decode once per event
// (`check`): the top-level peek catches a broken frame, not a broken message inside a field, and
// a watch must not send what its client cannot decode.
import { DecodeError, taskEventCodec } from "../api/codec.js";
import type { StoredEvent } from "../api/task-model.js";
import { decodeStoredEvent } from "./event-log.js";

/** The member of TaskEvent's `event` oneof. */
export type EventMember = NonNullable<StoredEvent["event"]>;

/** TaskEvent's oneof members by field number (proto/recflow/v1/tasks.proto). */
const MEMBER_BY_FIELD: Readonly<Record<number, EventMember>> = {
  10: "queued", 11: "started", 12: "progress", 13: "partialResult", 14: "retrying", 15: "succeeded", 16: "failed", 17: "cancelled",
};

const TERMINAL: ReadonlySet<EventMember> = new Set(["succeeded", "failed", "cancelled"]);

/**
 * Which event `bytes` (an encoded TaskEvent) is, from its top-level fields alone: nested messages
 * are skipped by their length, not decoded. Throws DecodeError when the top level is not valid
 * protobuf. Undefined when no member is set; the last one wins, as in a full decode.
 */
export function peekEventMember(bytes: Uint8Array): EventMember | undefined {
  let member: EventMember | undefined;
  let i = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 53; shift += 7) {
      if (i >= bytes.length) throw new DecodeError("not a valid recflow.v1.TaskEvent: truncated varint");
      const b = bytes[i++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new DecodeError("not a valid recflow.v1.TaskEvent: varint too long");
  };
  while (i < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag % 8) {
      case 0:
        varint();
        break;
      case 1:
        i += 8;
        break;
      case 2: {
        const len = varint();
        i += len;
        if (field in MEMBER_BY_FIELD) member = MEMBER_BY_FIELD[field];
        break;
      }
      case 5:
        i += 4;
        break;
      default:
        throw new DecodeError(`not a valid recflow.v1.TaskEvent: wire type ${tag % 8} of field ${field}`);
    }
    if (field === 0) throw new DecodeError("not a valid recflow.v1.TaskEvent: field number 0");
  }
  if (i > bytes.length) throw new DecodeError("not a valid recflow.v1.TaskEvent: truncated field");
  return member;
}

/** The encoding of TaskEvent's field 2 (`uint64 sequence`, tag 0x10) holding `sequence`. */
export function sequenceField(sequence: number): Uint8Array {
  const out = [0x10];
  // Arithmetic, not bit operations: sequences may pass 2^32.
  let v = sequence;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

export class FeedEvent {
  readonly sequence: number;
  readonly tenant: string;
  readonly taskId: string;
  readonly member: EventMember | undefined;
  /**
   * Encoded size in bytes: what the cache counts. The event holds these bytes (plus the at most
   * 11 of the sequence once `wire` is built); a decoded form only after `decode()` (Queued events,
   * read for their labels), not for a `check()`.
   */
  readonly size: number;
  /** The stored bytes; once `wire` is built, a view of its start (one buffer for both). */
  #bytes: Uint8Array;
  #wire: Buffer | undefined;
  #decoded: StoredEvent | undefined;
  /** How the full decode went, once tried: true, or why not. */
  #checked: true | DecodeError | undefined;

  /**
   * `bytes` that are kept (cached, buffered) must be the event's own copy: a message's data may be a
   * view of the connection's read buffer, which holding would keep alive. Throws DecodeError when
   * its top level is malformed.
   */
  constructor(tenant: string, taskId: string, sequence: number, bytes: Uint8Array) {
    this.member = peekEventMember(bytes);
    this.tenant = tenant;
    this.taskId = taskId;
    this.sequence = sequence;
    this.size = bytes.length;
    this.#bytes = bytes;
  }

  /** The task's first event: a run of events that starts with it is the task's whole history. */
  get first(): boolean {
    return this.member === "queued";
  }

  get terminal(): boolean {
    return this.member !== undefined && TERMINAL.has(this.member);
  }

  /** Whether the full decode has been done (for tests and metrics). */
  get decoded(): boolean {
    return this.#decoded !== undefined;
  }

  /**
   * The event as a watch sends it: an encoded TaskEvent with its sequence (the stored bytes, then
   * field 2). Built on the first call, in a buffer of its own, and shared by every watcher. It is
   * not checked: call `check()` first.
   */
  get wire(): Buffer {
    if (this.#wire) return this.#wire;
    const seq = sequenceField(this.sequence);
    // Not from the pool: a cached event would keep a shared 8 KB slab alive.
    const wire = Buffer.allocUnsafeSlow(this.size + seq.length);
    wire.set(this.#bytes, 0);
    wire.set(seq, this.size);
    this.#wire = wire;
    this.#bytes = wire.subarray(0, this.size);
    return wire;
  }

  /**
   * Throws DecodeError unless the whole event decodes. The decode is done once per event, whatever
   * the number of watchers, and its result is not kept (only whether it worked).
   */
  check(): void {
    if (this.#checked === undefined) {
      try {
        taskEventCodec.check(this.#bytes);
        this.#checked = true;
      } catch (err) {
        this.#checked = err instanceof DecodeError ? err : new DecodeError(String(err), { cause: err });
      }
    }
    if (this.#checked !== true) throw this.#checked;
  }

  /** The event, decoded on the first call and kept. Throws DecodeError. */
  decode(): StoredEvent {
    if (this.#decoded) return this.#decoded;
    this.#decoded = decodeStoredEvent({ data: this.#bytes, seq: this.sequence });
    this.#checked = true;
    return this.#decoded;
  }
}
