import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Stack, healthClient, servingStatus, type HealthClient } from "../helpers/stack.js";

describe("gateway health and reflection", () => {
  let stack: Stack;
  let health: HealthClient;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
    health = healthClient(stack.address);
  });
  afterAll(async () => {
    health?.close();
    await stack?.close();
  });

  const check = (service: string): Promise<string> => servingStatus(health, service);

  it("reports SERVING for the server and the tasks service while NATS is connected", async () => {
    expect(await check("")).toBe("SERVING");
    expect(await check("recflow.v1.TasksService")).toBe("SERVING");
  });

  it("lists the API through server reflection", async () => {
    const def = protoLoader.loadSync("grpc/reflection/v1alpha/reflection.proto", { includeDirs: ["node_modules/@grpc/reflection/build/proto"] });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: { v1alpha: { ServerReflection: new (a: string, c: grpc.ChannelCredentials) => grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, { listServicesResponse?: { service: { name: string }[] } }> } } } } };
    const client = new pkg.grpc.reflection.v1alpha.ServerReflection(stack.address, grpc.credentials.createInsecure());
    try {
      const names = await new Promise<string[]>((resolve, reject) => {
        const call = client.ServerReflectionInfo();
        call.on("data", (res: { listServicesResponse?: { service: { name: string }[] } }) => {
          resolve((res.listServicesResponse?.service ?? []).map((s: { name: string }) => s.name));
          call.end();
        });
        call.on("error", reject);
        call.write({ listServices: "*" });
      });
      expect(names).toContain("recflow.v1.TasksService");
      expect(names).toContain("grpc.health.v1.Health");
    } finally {
      client.close();
    }
  });
});
