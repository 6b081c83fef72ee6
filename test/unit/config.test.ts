import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { CONFIG_KEYS, compileConfig, DEFAULT_ACK_WAIT_MS, envNameOf } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";

describe("compileConfig", () => {
  it("applies documented defaults that work on a laptop", () => {
    const c = compileConfig({}, {});
    expect(c.natsServers).toEqual(["nats://127.0.0.1:4222"]);
    expect(c.grpcAddress).toBe("127.0.0.1:50051");
    expect(c.ackWaitMs).toBe(DEFAULT_ACK_WAIT_MS);
    expect(c.heartbeatIntervalMs).toBe(10_000);
    expect(c.defaultMaxRetries).toBe(3);
    expect(c.threads).toBeGreaterThanOrEqual(1);
    expect(c.maxRetriesLimit).toBeLessThan(c.maxDeliver);
  });

  it("lets flags override the environment and keeps an explicit 0", () => {
    const c = compileConfig({ retryBaseMs: 0, natsUrl: "nats://a:1,nats://b:2" }, { RECFLOW_RETRY_BASE_MS: "500", NATS_URL: "nats://env:4222" });
    expect(c.retryBaseMs).toBe(0);
    expect(c.natsServers).toEqual(["nats://a:1", "nats://b:2"]);
  });

  it.each([
    [{ RECFLOW_ACK_WAIT_MS: "abc" }, /RECFLOW_ACK_WAIT_MS: expected an integer, got "abc"/],
    [{ RECFLOW_ACK_WAIT_MS: "10" }, /RECFLOW_ACK_WAIT_MS.*\[500,/],
    [{ RECFLOW_THREADS: "0" }, /RECFLOW_THREADS/],
    [{ NATS_URL: "http://x" }, /NATS_URL.*not a NATS URL/],
    [{ RECFLOW_GRPC_ADDRESS: "nohost" }, /RECFLOW_GRPC_ADDRESS.*host:port/],
    [{ RECFLOW_MAX_DELIVER: "3", RECFLOW_MAX_RETRIES_LIMIT: "3" }, /must be below RECFLOW_MAX_DELIVER/],
    [{ RECFLOW_LOG_LEVEL: "loud" }, /RECFLOW_LOG_LEVEL/],
    [{ RECFLOW_RETRY_BASE_MS: "5000", RECFLOW_RETRY_MAX_MS: "100" }, /RECFLOW_RETRY_MAX_MS/],
  ])("rejects %j with a message naming the variable", (env, message) => {
    expect(() => compileConfig({}, env)).toThrow(ConfigError);
    expect(() => compileConfig({}, env)).toThrow(message);
  });

  // 2^31 ms is one more than setTimeout can wait: Node would fire such a timer after 1 ms.
  it.each([
    "RECFLOW_ACK_WAIT_MS", "RECFLOW_RETRY_BASE_MS", "RECFLOW_RETRY_MAX_MS", "RECFLOW_PROGRESS_INTERVAL_MS",
    "RECFLOW_SHUTDOWN_GRACE_MS", "RECFLOW_PUBLISH_TIMEOUT_MS", "RECFLOW_UPLOAD_IDLE_TIMEOUT_MS",
  ])("refuses %s longer than the longest timer Node.js can arm", (name) => {
    const env = { [name]: String(2 ** 31), RECFLOW_DUPLICATE_WINDOW_MS: String(2 ** 33) };
    expect(() => compileConfig({}, env)).toThrow(ConfigError);
    expect(() => compileConfig({}, env)).toThrow(new RegExp(`^${name} .*2147483648 ms is longer than the longest timer Node\\.js can arm \\(2147483647 ms`));
    // One less is a valid timer.
    expect(() => compileConfig({}, { ...env, [name]: String(2 ** 31 - 1), RECFLOW_RETRY_MAX_MS: String(2 ** 31 - 1) })).not.toThrow();
  });

  it.each([
    [{ RECFLOW_DUPLICATE_WINDOW_MS: "5000" }, "RECFLOW_DUPLICATE_WINDOW_MS (5000) must exceed RECFLOW_PUBLISH_TIMEOUT_MS (5000)"],
    [{ RECFLOW_DUPLICATE_WINDOW_MS: "4000", RECFLOW_PUBLISH_TIMEOUT_MS: "4500", RECFLOW_ACK_WAIT_MS: "3000" }, "RECFLOW_DUPLICATE_WINDOW_MS (4000) must exceed RECFLOW_PUBLISH_TIMEOUT_MS (4500)"],
    [{ RECFLOW_DUPLICATE_WINDOW_MS: "30000" }, "RECFLOW_DUPLICATE_WINDOW_MS (30000) must exceed RECFLOW_ACK_WAIT_MS (30000)"],
    [{ RECFLOW_DUPLICATE_WINDOW_MS: "60000", RECFLOW_ACK_WAIT_MS: "90000" }, "RECFLOW_DUPLICATE_WINDOW_MS (60000) must exceed RECFLOW_ACK_WAIT_MS (90000)"],
  ])("refuses timeouts that contradict each other, naming both: %j", (env, message) => {
    expect(() => compileConfig({}, env)).toThrow(ConfigError);
    expect(() => compileConfig({}, env)).toThrow(message);
  });

  it("accepts an ack wait shorter than the publish timeout (an attempt heartbeats while a write waits)", () => {
    const c = compileConfig({}, { RECFLOW_ACK_WAIT_MS: "3000", RECFLOW_PUBLISH_TIMEOUT_MS: "5000" });
    expect(c.heartbeatIntervalMs).toBe(1000);
    expect(c.heartbeatIntervalMs).toBeLessThan(c.ackWaitMs);
  });
});

describe("configuration docs", () => {
  it("the README's configuration table lists every environment variable the config reads", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const missing = CONFIG_KEYS.map(envNameOf).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
