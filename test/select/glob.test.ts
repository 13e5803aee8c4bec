import assert from "node:assert/strict";
import { test } from "node:test";
import { matchAnyGlob, matchGlob } from "../../src/select/glob.js";

test("a pattern is an exact name, or a glob whose * matches any run; other characters are literal", () => {
  assert.ok(matchGlob("nginx", "nginx"));
  assert.ok(!matchGlob("nginx", "nginx: worker"));
  assert.ok(matchGlob("java*", "java"));
  assert.ok(matchGlob("java*", "java-17"));
  assert.ok(!matchGlob("java*", "openjava"));
  assert.ok(matchGlob("/system.slice/*.service", "/system.slice/nginx.service"));
  assert.ok(!matchGlob("a.c*", "abc"), "a dot is a dot, not any character");
  assert.ok(matchGlob("*(x)*", "f(x)=1"));
  assert.ok(matchAnyGlob(["sshd", "post*"], "postgres"));
  assert.ok(!matchAnyGlob([], "postgres"));
});
