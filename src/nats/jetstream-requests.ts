// Our JetStream publishes (with their PubAck), direct gets and leader gets, the calls on every
// task's hot path, sent as plain request/reply over ONE wildcard inbox subscription per connection, with one
// timer sweeping deadlines. nats.js's request() allocates three Error objects (stack traces),
// a timer and a promise chain per call; profiles put that at ~10 % of a worker's CPU, and a
// micro-benchmark at 30–35 µs of client CPU per js.publish against 11–13 µs this way. Errors
// come out as the same NatsError codes nats.js gives (see nats-errors.ts), so callers classify
// them the same way. Everything else (consumers, stream admin) stays on nats.js.
import { createInbox, ErrorCode, headers as natsHeaders, NatsError, type Msg, type NatsConnection, type Subscription } from "nats";
import { parseServerTime } from "./server-clock.js";

interface Pending {
  resolve(m: Msg): void;
  reject(err: Error): void;
  deadline: number;
}

/** What JetStream answers a publish with. */
export interface PubAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

export interface PublishOptions {
  /** Nats-Msg-Id: JetStream drops a second message with the same id within its duplicate window. */
  msgId?: string;
  /** Nats-Expected-Last-Subject-Sequence: refused unless the subject's last message has this sequence. */
  expectedLastSubjectSeq?: number;
  /** More headers to send with the message (a task's W3C trace context). */
  headers?: Readonly<Record<string, string | undefined>>;
}

export type DirectQuery = { last_by_subj: string } | { seq: number; next_by_subj: string } | { seq: number };

/** A stored message as a get returns it: payload, stream sequence and the headers it was published with. */
export interface GotMessage {
  data: Uint8Array;
  seq: number;
  /** The subject it was published to. */
  subject: string;
  /** When the stream stored it, by the server's clock (epoch ms; NaN if the answer lacks it). */
  storedAtMs: number;
  /** The value of one header as published (undefined when absent). */
  header(name: string): string | undefined;
}

const API_PREFIX = "$JS.API";
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A JetStream API error as nats.js reports it (code from the HTTP-like status, api_error from the body). */
function apiError(error: { code: number; err_code?: number; description?: string }): NatsError {
  const description = (error.description ?? "").toLowerCase();
  const err = error.code === 503
    ? NatsError.errorForCode(ErrorCode.JetStreamNotEnabled, new Error(description))
    : new NatsError(description || ErrorCode.Unknown, String(error.code));
  err.api_error = { code: error.code, err_code: error.err_code ?? 0, description: error.description ?? "" };
  return err;
}

/** An answer that is only a status header (e.g. 404 for a direct get that found nothing), as nats.js reports it. */
function statusError(m: Msg): NatsError {
  const code = m.headers?.code ?? 0;
  const description = (m.headers?.description ?? "").toLowerCase();
  if (code === 404) return new NatsError(description, ErrorCode.JetStream404NoMessages);
  return new NatsError(description || ErrorCode.Unknown, code ? String(code) : ErrorCode.Unknown);
}

export class JetStreamRequests {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  readonly #prefix = createInbox();
  readonly #pending = new Map<string, Pending>();
  readonly #sub: Subscription;
  readonly #sweep: NodeJS.Timeout;
  #next = 0;

  constructor(nc: NatsConnection, timeoutMs: number) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
    this.#sub = nc.subscribe(`${this.#prefix}.*`, { callback: (err, m) => this.#answer(err, m) });
    this.#sweep = setInterval(() => this.#expire(), Math.max(50, Math.min(250, timeoutMs / 4)));
    this.#sweep.unref();
  }

  /** Publishes to a stream's subject and waits for the PubAck; JetStream errors are thrown as NatsError with api_error. */
  async publish(subject: string, data: Uint8Array, opts: PublishOptions = {}): Promise<PubAck> {
    const h = natsHeaders();
    if (opts.msgId !== undefined) h.set("Nats-Msg-Id", opts.msgId);
    if (opts.expectedLastSubjectSeq !== undefined) h.set("Nats-Expected-Last-Subject-Sequence", String(opts.expectedLastSubjectSeq));
    if (opts.headers) for (const [k, v] of Object.entries(opts.headers)) if (v !== undefined) h.set(k, v);
    const m = await this.#request(subject, data, h);
    if (m.data.length === 0) throw statusError(m);
    const body = JSON.parse(decoder.decode(m.data)) as Partial<PubAck> & { error?: { code: number; err_code?: number; description?: string } };
    if (body.error) throw apiError(body.error);
    if (!body.stream) throw NatsError.errorForCode(ErrorCode.JetStreamInvalidAck);
    return { stream: body.stream, seq: Number(body.seq), duplicate: body.duplicate === true };
  }

  /**
   * JetStream direct get; "not found" is a NatsError with code "404", like nats.js's. With
   * allow_direct, ANY replica may answer, a lagging one included (a follower behind its leader,
   * or a node cut off from its peers that still serves its own clients): use it where an answer
   * that is a little old is harmless (views, replays that go on reading), never to decide.
   */
  async directGet(stream: string, query: DirectQuery): Promise<GotMessage> {
    // As nats.js does: a last_by_subj query goes in the subject (so permissions can scope it).
    const m = "last_by_subj" in query
      ? await this.#request(`${API_PREFIX}.DIRECT.GET.${stream}.${query.last_by_subj}`, new Uint8Array(0))
      : await this.#request(`${API_PREFIX}.DIRECT.GET.${stream}`, encoder.encode(JSON.stringify(query)));
    if (m.data.length === 0 && (m.headers?.code ?? 0) >= 300) throw statusError(m);
    const seq = Number(m.headers?.last("Nats-Sequence"));
    if (!Number.isSafeInteger(seq)) throw new NatsError("direct get answer without Nats-Sequence", ErrorCode.Unknown);
    const h = m.headers;
    return { data: m.data, seq, subject: h?.last("Nats-Subject") ?? "", storedAtMs: parseServerTime(h?.last("Nats-Time-Stamp")), header: (name) => (h?.has(name) ? h.last(name) : undefined) };
  }

  /**
   * The same query answered by the stream's LEADER only ($JS.API.STREAM.MSG.GET: followers do
   * not answer it), so the answer includes every write the leader has applied: what a decision
   * that must not act on an old view (fencing an attempt, settling a conflicting append) reads.
   * While the stream has no leader it times out or answers 503, both transient.
   */
  async leaderGet(stream: string, query: DirectQuery): Promise<GotMessage> {
    const m = await this.#request(`${API_PREFIX}.STREAM.MSG.GET.${stream}`, encoder.encode(JSON.stringify(query)));
    if (m.data.length === 0) throw statusError(m);
    const body = JSON.parse(decoder.decode(m.data)) as {
      error?: { code: number; err_code?: number; description?: string };
      message?: { subject: string; seq: number; data?: string; hdrs?: string; time?: string };
    };
    if (body.error) throw apiError(body.error);
    if (!body.message || !Number.isSafeInteger(body.message.seq)) throw new NatsError("stream message get answer without a message", ErrorCode.Unknown);
    const headers = parseHeaderBlock(body.message.hdrs ? Buffer.from(body.message.hdrs, "base64").toString("utf8") : "");
    const data = body.message.data ? new Uint8Array(Buffer.from(body.message.data, "base64")) : new Uint8Array(0);
    return { data, seq: body.message.seq, subject: body.message.subject, storedAtMs: parseServerTime(body.message.time), header: (name) => headers.get(name.toLowerCase()) };
  }

  /** Fails every call still waiting (the connection is closing). */
  close(): void {
    clearInterval(this.#sweep);
    this.#sub.unsubscribe();
    for (const p of this.#pending.values()) p.reject(NatsError.errorForCode(ErrorCode.ConnectionClosed));
    this.#pending.clear();
  }

  #request(subject: string, data: Uint8Array, headers?: ReturnType<typeof natsHeaders>): Promise<Msg> {
    const token = (this.#next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      this.#pending.set(token, { resolve, reject, deadline: performance.now() + this.#timeoutMs });
      try {
        this.#nc.publish(subject, data, { reply: `${this.#prefix}.${token}`, ...(headers ? { headers } : {}) });
      } catch (err) {
        this.#pending.delete(token);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  #answer(err: NatsError | null, m: Msg): void {
    if (err) return; // the subscription itself failed: pending calls time out
    const token = m.subject.slice(this.#prefix.length + 1);
    const p = this.#pending.get(token);
    if (!p) return; // already timed out
    this.#pending.delete(token);
    // No stream listens on the subject (or JetStream is down): the server's "no responders" status.
    if (m.data.length === 0 && m.headers?.code === 503) p.reject(NatsError.errorForCode(ErrorCode.NoResponders));
    else p.resolve(m);
  }

  #expire(): void {
    const now = performance.now();
    for (const [token, p] of this.#pending) {
      if (p.deadline > now) continue;
      this.#pending.delete(token);
      p.reject(NatsError.errorForCode(ErrorCode.Timeout));
    }
  }
}

/**
 * A NATS header block ("NATS/1.0\r\nName: value\r\n...") as names (lower case) to their last
 * value: the form STREAM.MSG.GET returns a stored message's headers in.
 */
export function parseHeaderBlock(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) out.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}
