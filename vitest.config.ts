// Tests talk to real nats-server processes and real gRPC servers; suites run in forks so a suite
// that kills processes cannot take another down, and at most two at a time on a 2-core machine.
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globals: false,
    include: ["test/**/*.test.ts"],
    // The nemesis run takes minutes of the machine: `npm run test:network` (and CI) run it alone.
    exclude: [...configDefaults.exclude, "test/network/nemesis.test.ts", "test/network/clock-offset.test.ts"],
    setupFiles: ["test/helpers/setup.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
