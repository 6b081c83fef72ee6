// Every proto carries the language options a generator needs, so protoc-gen-go, the Java, C# and
// Python generators run with no `M…` mappings or package flags (issue 16). buf lint keeps the values
// equal across a package (PACKAGE_SAME_*) but does not require them; this test does.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const PROTO = resolve(import.meta.dirname, "../../proto");

/** The `option name = value;` lines of a .proto file, by name. */
function fileOptions(path: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const m of readFileSync(path, "utf8").matchAll(/^option\s+(\w+)\s*=\s*(.+?);\s*$/gm)) options.set(m[1], m[2]);
  return options;
}

describe("proto language options", () => {
  const recflow = readdirSync(join(PROTO, "recflow/v1")).filter((f) => f.endsWith(".proto")).sort();

  it.each(recflow)("recflow/v1/%s sets every generator's package option", (file) => {
    const options = fileOptions(join(PROTO, "recflow/v1", file));
    expect(Object.fromEntries([...options].filter(([k]) => k !== "java_outer_classname"))).toEqual({
      csharp_namespace: '"Recflow.V1"',
      go_package: '"recflow.dev/clients/go/recflowv1;recflowv1"',
      java_multiple_files: "true",
      java_package: '"dev.recflow.v1"',
      objc_class_prefix: '"RXX"',
      php_namespace: '"Recflow\\\\V1"',
      ruby_package: '"Recflow::V1"',
    });
    // One outer class per file, so two files never generate the same Java class.
    const stem = file.replace(/\.proto$/, "");
    expect(options.get("java_outer_classname")).toBe(`"${stem[0].toUpperCase()}${stem.slice(1)}Proto"`);
  });

  it.each(["status", "error_details"])("google/rpc/%s.proto keeps upstream's go_package, so Go code links genproto, not a copy", (name) => {
    const options = fileOptions(join(PROTO, "google/rpc", `${name}.proto`));
    const pkg = name === "status" ? "status" : "errdetails";
    expect(options.get("go_package")).toBe(`"google.golang.org/genproto/googleapis/rpc/${pkg};${pkg}"`);
    expect(options.get("java_package")).toBe('"com.google.rpc"');
  });
});
