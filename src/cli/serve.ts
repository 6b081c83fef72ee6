// `recflow gateway` and `recflow worker`: long-running processes that stop cleanly on
// SIGTERM/SIGINT (exit 0) and say why they cannot start otherwise.
import { compileConfig, type RecflowOptions } from "../config.js";
import { createLogger, type Logger } from "../log.js";
import { Gateway } from "../gateway/index.js";
import { Worker } from "../worker/index.js";

type Closable = { close(): Promise<void> };

function stopOnSignals(what: Closable, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, "second signal: exiting now");
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, "shutting down");
      what.close().then(resolve, (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exitCode = 1;
        resolve();
      });
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}

export async function runGateway(options: RecflowOptions): Promise<void> {
  const config = compileConfig(options);
  const log = createLogger({ name: "recflow-gateway", level: config.logLevel });
  const gateway = await Gateway.start({ config, log });
  // Handlers first, then the ready line: a supervisor may stop us the moment it reads that line,
  // and a SIGTERM before the handlers exist kills node outright (seen as exit 143 under tini).
  const stopped = stopOnSignals({ close: () => gateway.close(config.shutdownGraceMs) }, log);
  // Tells a supervisor (e.g. `recflow dev`, tests) where we listen, on stdout as one JSON line.
  process.stdout.write(`${JSON.stringify({ ready: "gateway", port: gateway.port, metricsPort: gateway.metricsPort })}\n`);
  await stopped;
}

export async function runWorker(options: RecflowOptions): Promise<void> {
  const config = compileConfig(options);
  const log = createLogger({ name: "recflow-worker", level: config.logLevel });
  const worker = await Worker.start({ config, log });
  const stopped = stopOnSignals(worker, log); // before the ready line, as in runGateway
  process.stdout.write(`${JSON.stringify({ ready: "worker", id: config.instanceId, metricsPort: worker.metricsPort })}\n`);
  await stopped;
}
