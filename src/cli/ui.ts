// `recflow ui`: runs the web dashboard until SIGTERM/SIGINT. It needs the gateway (every page's
// data, with the user's token), NATS (dead letters, as `recflow dlq` does) and, for the queue
// chart, the gateway's /metrics URL.
import { clientSecurityFromEnv } from "../api/client.js";
import { compileConfig, type RecflowOptions } from "../config.js";
import { createLogger } from "../log.js";
import { UiServer } from "../ui/index.js";

export interface UiCommandOptions extends RecflowOptions {
  address: string;
  listen: string;
  metricsUrl?: string;
}

export async function runUi(o: UiCommandOptions): Promise<number> {
  const config = compileConfig(o);
  const log = createLogger({ name: "recflow-ui", level: config.logLevel });
  // TLS to the gateway as the CLI does it; the token is never global here, it comes from each login.
  const { tls } = clientSecurityFromEnv();
  const ui = await UiServer.start({ gatewayAddress: o.address, listenAddress: o.listen, metricsUrl: o.metricsUrl ?? "", ...(tls ? { tls } : {}) }, config, log);
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  const host = o.listen.replace(/:\d+$/, "");
  process.stdout.write(`${JSON.stringify({ ready: "ui", port: ui.port, url: `http://${host}:${ui.port}/` })}\n`);
  await stopped;
  await ui.close();
  return 0;
}
