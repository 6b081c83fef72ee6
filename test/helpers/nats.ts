// A disposable nats-server with JetStream per suite: free port, fresh temp store, killed after.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalNatsServer } from "../../src/cli/nats-server.js";

export interface TestNats extends AsyncDisposable {
  server: LocalNatsServer;
  url: string;
  stop(): Promise<void>;
}

export async function startNats(): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), "recflow-nats-"));
  const server = await LocalNatsServer.start({ storeDir: dir });
  const stop = async (): Promise<void> => {
    await server.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  return { server, url: server.url, stop, [Symbol.asyncDispose]: stop };
}
