// One socket write per event-loop turn instead of one per burst of microtasks.
//
// nats.js buffers outgoing protocol and flushes the buffer in a microtask queued by the first
// command after a flush. On our hot path each task's writes (a direct get, Started, Succeeded,
// the ack, heartbeats) are issued from different continuations of the same socket read or timer
// turn, and every continuation that lands after the flush microtask starts a new buffer and a new
// write: profiles of a worker under the W1 bench put ~15-18 % of its CPU in socket writes. Here the
// flush is deferred to setImmediate, i.e. after every I/O callback and microtask of the current
// turn, so everything a turn produced goes out in one write. The delay is that of the rest of the
// turn; the buffer is still flushed at once when it reaches nats.js's own size limit.
//
// This reaches into nats.js's protocol handler (`sendCommand`, `outbound`, `flushPending`,
// `pendingLimit`, nats.js 2.29). If that shape is not there (another nats.js version), nothing
// is changed and nats.js flushes as it always did.
import type { NatsConnection } from "nats";

interface DataBufferLike {
  length(): number;
  size(): number;
  fill(data: Uint8Array, ...payloads: Uint8Array[]): void;
}

interface ProtocolLike {
  outbound?: DataBufferLike;
  pendingLimit?: number;
  flushPending?: () => void;
  sendCommand?: (cmd: string | Uint8Array, ...payloads: Uint8Array[]) => void;
}

const encoder = new TextEncoder();

/** Makes `nc` flush its outgoing buffer once per event-loop turn; returns whether it could. */
export function coalesceWrites(nc: NatsConnection): boolean {
  const proto = (nc as unknown as { protocol?: ProtocolLike }).protocol;
  if (!proto?.outbound || typeof proto.pendingLimit !== "number" || typeof proto.flushPending !== "function" || typeof proto.sendCommand !== "function") return false;
  const p = proto as Required<ProtocolLike>;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    p.flushPending();
  };
  p.sendCommand = (cmd, ...payloads) => {
    p.outbound.fill(typeof cmd === "string" ? encoder.encode(cmd) : cmd, ...payloads);
    if (p.outbound.size() >= p.pendingLimit) p.flushPending();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return true;
}
