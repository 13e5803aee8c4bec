import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";

const root = new URL("../../", import.meta.url).pathname;

test("the package's exports resolve from inside the repo after a build", () => {
  if (!existsSync(`${root}dist/index.js`)) {
    // `npm install` builds dist through the prepare script; without it there is nothing to import.
    throw new Error("dist/ is missing: run `npm install` (or `npm run build`) first");
  }
  const out = execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import * as lib from "idlereap";
       import { guard } from "idlereap/guard";
       console.log(JSON.stringify({
         guard: typeof lib.guard, same: lib.guard === guard, scan: typeof lib.scanNamespaces,
         status: typeof lib.buildStatus, codes: Object.keys(lib.ERROR_CODES).length,
       }));`,
    ],
    { cwd: root, encoding: "utf8" },
  );
  const got = JSON.parse(out);
  assert.equal(got.guard, "function");
  assert.equal(got.same, true);
  assert.equal(got.scan, "function");
  assert.equal(got.status, "function");
  assert.ok(got.codes > 10);
});

test("the bin runs and prints its version", () => {
  const out = execFileSync(process.execPath, [`${root}bin/idlereap.js`, "--version"], { encoding: "utf8" });
  assert.match(out.trim(), /^\d+\.\d+\.\d+$/);
});
