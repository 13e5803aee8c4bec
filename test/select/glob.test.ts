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

test("stars at either end, in a row, and a last literal that must line up with the end", () => {
  assert.ok(matchGlob("*", ""));
  assert.ok(matchGlob("**", "abc"));
  assert.ok(matchGlob("*abc", "ababc"));
  assert.ok(!matchGlob("*abc", "abcab"));
  assert.ok(matchGlob("a*b*c", "aXbYbZc"));
  assert.ok(!matchGlob("a*b*c", "aXbYbZ"));
  assert.ok(matchGlob("*.scope*", "/user.slice/app.scope/x"));
  assert.ok(!matchGlob("a*", ""));
  assert.ok(matchGlob("x*y*", "xy"));
});

test("a hostile cgroup path against a pattern with five stars is matched without backtracking", () => {
  // A backtracking RegExp takes 17-31 s for ONE such match; the linear matcher does a thousand in
  // well under the bound, which is generous because the difference is structural, not a tuning.
  const pattern = "/*a*a*a*a*a*.service";
  const path = `/${"a".repeat(199)}`;
  const started = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) assert.equal(matchGlob(pattern, path), false);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(ms < 2000, `1000 matches took ${ms.toFixed(0)} ms`);
  assert.ok(matchGlob(pattern, `${path}.service`));
});
