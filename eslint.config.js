// Lint config: typescript-eslint's type-aware recommended rules plus the ones our STYLE.md leans on
// (no floating promises, no `any` leaking across boundaries). Generated code is linted by nobody.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "src/generated/**", "bench/results/**", "examples/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js", "*.mjs", "scripts/*.mjs"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "no-console": "error",
    },
  },
  { files: ["src/cli/**", "src/bench/**", "scripts/**", "bench/analysis/**", "test/**"], rules: { "no-console": "off" } },
  { files: ["**/*.js", "**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  { files: ["scripts/**/*.mjs", "bench/analysis/*.mjs"], languageOptions: { globals: { console: "readonly", process: "readonly", Buffer: "readonly" } } },
  // The dashboard's browser script (embedded by scripts/gen-ui-assets.mjs): browser globals only.
  {
    files: ["src/ui/assets/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: Object.fromEntries(["window", "document", "location", "fetch", "URLSearchParams", "EventSource", "XMLHttpRequest", "Node", "setInterval", "clearInterval", "console", "performance"].map((g) => [g, "readonly"])),
    },
  },
);
