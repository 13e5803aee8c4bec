// The filter flags' own refusals: each names its flag, and lists are bounded by what the kernel's
// filter bytecode can hold.
import assert from "node:assert/strict";
import { test } from "node:test";
import { filterSpecFromFlags } from "../../src/cli/flags.js";
import { UsageError } from "../../src/errors.js";
import { MAX_FILTER_PORTS } from "../../src/kernel/inet-diag-bytecode.js";
import { compileFilter } from "../../src/select/socket-filter.js";

test("--src and --dst name themselves when the prefix is not one", () => {
  assert.throws(
    () => filterSpecFromFlags({ src: ["300.1.1.1/8"] }),
    (e: unknown) => {
      return e instanceof UsageError && /^--src: "300\.1\.1\.1" is not/.test(e.message);
    },
  );
  assert.throws(() => filterSpecFromFlags({ dst: ["10.0.0.0/99"] }), /--dst: .*prefix/);
  assert.deepEqual(filterSpecFromFlags({ src: ["10.0.0.0/8"] }).src, ["10.0.0.0/8"]);
});

test("port flags are bounded with the flag and the bound in the message; the most allowed compiles", () => {
  const ports = (n: number) => Array.from({ length: n }, (_, i) => String(i));
  assert.throws(
    () => filterSpecFromFlags({ port: ports(MAX_FILTER_PORTS + 1) }),
    new RegExp(`--port: ${MAX_FILTER_PORTS + 1} ports given, at most ${MAX_FILTER_PORTS}`),
  );
  const spec = filterSpecFromFlags({ port: ports(MAX_FILTER_PORTS) });
  assert.ok(compileFilter(spec).bytecode.length > 0);
  assert.ok(compileFilter(filterSpecFromFlags({ sport: ports(MAX_FILTER_PORTS) })).bytecode.length > 0);
});
