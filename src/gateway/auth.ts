// Who is calling: maps a call's metadata to a tenant. With authentication off (the dev default)
// every caller is the "default" tenant. Tokens and TLS identities plug in here (tenants issue).
import type { Metadata } from "@grpc/grpc-js";

export const DEFAULT_TENANT = "default";

export interface Authenticator {
  /** The caller's tenant; throws an UNAUTHENTICATED-mapped error when credentials are missing or wrong. */
  tenantOf(metadata: Metadata): string;
}

export const anonymous: Authenticator = {
  tenantOf: () => DEFAULT_TENANT,
};
