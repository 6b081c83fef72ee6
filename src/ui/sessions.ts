// Dashboard sessions: a browser logs in once with its gateway bearer token, which stays on the
// server. The browser holds only an opaque session id in an HttpOnly, SameSite=Strict cookie (so
// page scripts and URLs never see the token) plus a CSRF token that every POST must echo in the
// x-csrf-token header: a cross-site form can make the browser send the cookie, never the header.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { GatewayClients } from "./gateway-clients.js";

export const SESSION_COOKIE = "recflow_ui_session";
export const CSRF_HEADER = "x-csrf-token";

export interface Session {
  id: string;
  tenant: string;
  csrf: string;
  /** Clients that send this session's token as `authorization: Bearer …` on every call. */
  clients: GatewayClients;
  lastSeenMs: number;
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #idleMs: number;

  constructor(idleMs: number) {
    this.#idleMs = idleMs;
  }

  create(tenant: string, clients: GatewayClients): Session {
    const session: Session = { id: randomBytes(32).toString("base64url"), tenant, csrf: randomBytes(32).toString("base64url"), clients, lastSeenMs: Date.now() };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The request's live session, or undefined (no cookie, unknown or idle too long). */
  of(req: IncomingMessage): Session | undefined {
    const id = cookieValue(req, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = Date.now();
    if (now - session.lastSeenMs > this.#idleMs) {
      this.delete(session);
      return undefined;
    }
    session.lastSeenMs = now;
    return session;
  }

  /** Whether a state-changing request carries the session's CSRF token. */
  static csrfOk(req: IncomingMessage, session: Session): boolean {
    const sent = req.headers[CSRF_HEADER];
    return typeof sent === "string" && sameSecret(sent, session.csrf);
  }

  delete(session: Session): void {
    this.#sessions.delete(session.id);
    session.clients.close();
  }

  close(): void {
    for (const s of [...this.#sessions.values()]) this.delete(s);
  }
}

/** Set-Cookie value for a session; `Secure` only when the dashboard itself is served over TLS. */
export function sessionCookie(id: string, maxAgeSec: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSec}${secure ? "; Secure" : ""}`;
}
