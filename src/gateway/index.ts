// The gateway: gRPC API in front of NATS.
export { Gateway, type GatewayOptions } from "./server.js";
export { anonymous, createAuthenticator, DEFAULT_TENANT, type Authenticator } from "./auth.js";
export { toGrpcStatus } from "./grpc-status.js";
export { validateSubmit, validateTaskId, type ValidationLimits } from "./validation.js";
