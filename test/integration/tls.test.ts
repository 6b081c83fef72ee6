import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as Code } from "@grpc/grpc-js";
import { call, createTasksClient, type ClientSecurity } from "../../src/api/client.js";
import { spawnRecflow, stopProc, FAST_ENV, codeOf, type Proc } from "../helpers/stack.js";
import { startNats, type TestNats } from "../helpers/nats.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { LocalNatsServer } from "../../src/cli/nats-server.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function submitProbe(address: string, security: ClientSecurity): Promise<unknown> {
  const client = createTasksClient(address, {}, security);
  return call(client.SubmitTask.bind(client), { requestId: "", task: { probe: { workMs: 1 } } }, { deadlineMs: 5_000 }).finally(() => client.close());
}

describe("TLS on the gRPC port and to NATS", () => {
  let certs: TestCerts;
  let nats: TestNats;
  const procs: Proc[] = [];
  beforeAll(async () => {
    certs = makeTestCerts();
    nats = await startNats();
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => stopProc(p, "SIGKILL")));
    await nats?.stop();
    certs?.remove();
  });

  async function gateway(env: Record<string, string>, natsUrl = nats.url): Promise<string> {
    const g = await spawnRecflow("gateway", ["gateway"], { ...FAST_ENV, NATS_URL: natsUrl, RECFLOW_GRPC_ADDRESS: "127.0.0.1:0", ...env });
    procs.push(g);
    return `127.0.0.1:${Number(g.ready.port)}`;
  }

  it("serves TLS with a configured certificate and refuses plaintext clients", async () => {
    const address = await gateway({ RECFLOW_TLS_CERT_FILE: certs.serverCert, RECFLOW_TLS_KEY_FILE: certs.serverKey });
    await expect(submitProbe(address, { tls: { caFile: certs.caCert } })).resolves.toHaveProperty("id");
    expect(await codeOf(submitProbe(address, {}))).toBe(Code.UNAVAILABLE);
    // A client that does not trust the server's CA stops at the handshake.
    expect(await codeOf(submitProbe(address, { tls: { caFile: certs.rogueCert } }))).toBe(Code.UNAVAILABLE);
  });

  it("with a client CA, admits only clients whose certificate that CA signed (mutual TLS)", async () => {
    const address = await gateway({ RECFLOW_TLS_CERT_FILE: certs.serverCert, RECFLOW_TLS_KEY_FILE: certs.serverKey, RECFLOW_TLS_CLIENT_CA_FILE: certs.caCert });
    await expect(submitProbe(address, { tls: { caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey } })).resolves.toHaveProperty("id");
    expect(await codeOf(submitProbe(address, { tls: { caFile: certs.caCert } }))).toBe(Code.UNAVAILABLE);
    expect(await codeOf(submitProbe(address, { tls: { caFile: certs.caCert, certFile: certs.rogueCert, keyFile: certs.rogueKey } }))).toBe(Code.UNAVAILABLE);
  });

  it("refuses to start with half a TLS configuration, naming the variable", async () => {
    const p = spawnRecflow("gateway", ["gateway"], { ...FAST_ENV, NATS_URL: nats.url, RECFLOW_GRPC_ADDRESS: "127.0.0.1:0", RECFLOW_TLS_CERT_FILE: certs.serverCert });
    await expect(p).rejects.toThrow(/RECFLOW_TLS_KEY_FILE/);
  });

  it("connects to a NATS server that requires TLS and a user/password", async () => {
    const dir = mkdtempSync(join(tmpdir(), "recflow-nats-tls-"));
    const secure = await LocalNatsServer.start({
      storeDir: dir,
      args: ["--tls", "--tlscert", certs.serverCert, "--tlskey", certs.serverKey, "--user", "recflow", "--pass", "s3cret-for-tests"],
    });
    try {
      const url = `tls://127.0.0.1:${secure.port}`;
      const address = await gateway({ NATS_TLS_CA_FILE: certs.caCert, NATS_USER: "recflow", NATS_PASSWORD: "s3cret-for-tests" }, url);
      await expect(submitProbe(address, {})).resolves.toHaveProperty("id");
      // Wrong password: the gateway does not come up (and says why).
      await expect(spawnRecflow("gateway", ["gateway"], {
        ...FAST_ENV, NATS_URL: url, RECFLOW_GRPC_ADDRESS: "127.0.0.1:0", NATS_TLS_CA_FILE: certs.caCert, NATS_USER: "recflow", NATS_PASSWORD: "wrong",
      })).rejects.toThrow(/[Aa]uthorization/);
    } finally {
      await secure.stop("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
