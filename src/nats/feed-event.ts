// A task event as the gateway's live feed holds it: the raw bytes and the few fields the feed
// needs to route, cache and end watches (sequence, task, which event it is), with the full
// protobuf decode left to the first reader. The feed sees every event of every task, and most
// are read by no one (nobody watches the task, or its watch began after the cache forgot it):
// those are never decoded. An event read by many watchers is decoded once.
import { DecodeError } from "../api/codec.js";
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

export class FeedEvent {
  readonly sequence: number;
  readonly tenant: string;
  readonly taskId: string;
  readonly member: EventMember | undefined;
  /** Encoded size in bytes: what the cache counts. */
  readonly size: number;
  #bytes: Uint8Array | undefined;
  #decoded: StoredEvent | undefined;

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

  /** The event, decoded on the first call (then the bytes are let go). Throws DecodeError. */
  decode(): StoredEvent {
    if (this.#decoded) return this.#decoded;
    this.#decoded = decodeStoredEvent({ data: this.#bytes!, seq: this.sequence });
    this.#bytes = undefined;
    return this.#decoded;
  }
}
