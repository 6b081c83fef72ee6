// JSON over HTTP for the dashboard's API: bounded request bodies, and one mapping from a thrown
// value (usually a gRPC status from the gateway) to an HTTP status and a clean message.
import type { IncomingMessage, ServerResponse } from "node:http";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import { UnavailableError } from "../errors.js";

/** A request the dashboard refuses itself, before any gateway call. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
  }
}

const HTTP_OF_GRPC = new Map<number, number>([
  [Code.INVALID_ARGUMENT, 400],
  [Code.OUT_OF_RANGE, 400],
  [Code.UNAUTHENTICATED, 401],
  [Code.PERMISSION_DENIED, 403],
  [Code.NOT_FOUND, 404],
  [Code.ALREADY_EXISTS, 409],
  [Code.FAILED_PRECONDITION, 409],
  [Code.ABORTED, 409],
  [Code.RESOURCE_EXHAUSTED, 429],
  [Code.UNAVAILABLE, 503],
  [Code.DEADLINE_EXCEEDED, 504],
]);

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "details" in err;
}

/** HTTP status and the message the browser may see. */
export function httpErrorOf(err: unknown): { status: number; message: string; grpcCode?: string } {
  if (err instanceof HttpError) return { status: err.status, message: err.message };
  // NATS itself (dead letters, workers) unreachable: worth a retry, like the gateway's UNAVAILABLE.
  if (err instanceof UnavailableError) return { status: 503, message: err.message };
  if (isServiceError(err)) return { status: HTTP_OF_GRPC.get(err.code) ?? 500, message: err.details || err.message, grpcCode: Code[err.code] };
  return { status: 500, message: "internal error (see the dashboard's log)" };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The request's JSON body, refused (413) past `maxBytes` and (415) unless sent as JSON. */
export async function readJson(req: IncomingMessage, maxBytes = 64 * 1024): Promise<Record<string, unknown>> {
  // A cross-site <form> cannot send application/json without a CORS preflight we never answer.
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) throw new HttpError(415, "send the body as application/json");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, `body larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not valid JSON");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new HttpError(400, "body must be a JSON object");
  return doc as Record<string, unknown>;
}

/** A non-negative integer query/route parameter, or `fallback` when absent. */
export function intParam(value: string | null | undefined, name: string, fallback: number): number {
  if (value === null || value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(400, `${name} must be a non-negative integer`);
  return n;
}
