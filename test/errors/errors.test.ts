import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  ConfigError,
  ERROR_CODES,
  FilterError,
  IdlereapError,
  InputError,
  NetnsNotFoundError,
  SyscallError,
  UsageError,
} from "../../src/errors.js";
import { inNetns, resolveNetns } from "../../src/kernel/netns.js";

test("every error code is documented in docs/errors.md, and nothing else is", () => {
  const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
  const documented = [...doc.matchAll(/^## (IDLEREAP_ERR_\w+)$/gm)].map((m) => m[1]);
  assert.deepEqual(
    documented.sort(),
    Object.keys(ERROR_CODES).sort(),
    "run: npx tsx scripts/gen-errors-doc.ts",
  );
  for (const code of Object.keys(ERROR_CODES)) assert.match(code, /^IDLEREAP_ERR_[A-Z]+(_[A-Z0-9]+)*$/);
});

test("errors carry their code, class name and context", () => {
  const sys = new SyscallError("setns", 1);
  assert.equal(sys.code, "IDLEREAP_ERR_PERMISSION");
  assert.equal(sys.errno, 1);
  assert.match(sys.message, /setns failed: EPERM \(1\)/);
  assert.ok(sys instanceof IdlereapError);
  assert.equal(new SyscallError("recv", 11).code, "IDLEREAP_ERR_SYSCALL");
  const cfg = new ConfigError("must be a duration", {
    file: "policy.yaml",
    line: 7,
    key: "rules[0].match.idle",
  });
  assert.equal(cfg.message, "policy.yaml: line 7: rules[0].match.idle: must be a duration");
  assert.equal(cfg.name, "ConfigError");
  const input = new InputError("IDLEREAP_ERR_CLI_USAGE", "bad", "--port");
  assert.equal(input.key, "--port");
});

test("one class per code: a namespace not found is a NetnsNotFoundError whether it never existed or went away", () => {
  const missing = `idlereap-no-such-netns-${process.pid}`;
  const notFound = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    assert.fail("expected an error");
  };
  const never = notFound(() => resolveNetns(missing));
  const gone = notFound(() => inNetns({ name: missing, path: `/run/netns/${missing}`, inode: 1 }, () => 0));
  for (const err of [never, gone]) {
    assert.ok(err instanceof NetnsNotFoundError, String(err));
    assert.ok(err instanceof InputError, "bad input: the CLI exits 2");
    assert.equal((err as NetnsNotFoundError).code, "IDLEREAP_ERR_NETNS_NOT_FOUND");
  }
  assert.equal(new UsageError("--x: bad", "--x").code, "IDLEREAP_ERR_CLI_USAGE");
  assert.equal(new FilterError("state: bad", "state").code, "IDLEREAP_ERR_FILTER_INVALID");
});
