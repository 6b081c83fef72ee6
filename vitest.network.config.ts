// The nemesis run (test/network/nemesis.test.ts): recflow on network namespaces under five faults;
// and worker hosts with clocks off by minutes (test/network/clock-offset.test.ts), whose timings
// want the machine to themselves too.
// It needs root and minutes of a 2-core machine, so it runs alone: `npm run test:network` (CI too).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globals: false,
    include: ["test/network/nemesis.test.ts", "test/network/clock-offset.test.ts"],
    setupFiles: ["test/helpers/setup.ts"],
    pool: "forks",
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
