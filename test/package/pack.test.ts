// The npm package as users get it: `npm pack` ships everything the README links to, a LICENSE, and
// a global install of the tarball runs and says where its docs are.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const root = new URL("../../", import.meta.url).pathname;

interface PackResult {
  filename: string;
  size: number;
  files: { path: string }[];
}

/** Every relative file the README points at: markdown links and `docs/…` or `deploy/…` in code spans. */
function readmeTargets(): string[] {
  const text = readFileSync(join(root, "README.md"), "utf8");
  const links = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1] as string);
  const spans = [
    ...text.matchAll(/`((?:docs|deploy|profiles|schema)\/[^`\s]*\.(?:md|ya?ml|json|service))`/g),
  ].map((m) => m[1] as string);
  return [...new Set([...links, ...spans])].filter((p) => !/^[a-z]+:/.test(p));
}

test("the packed tarball holds the LICENSE, the docs and every file the README links to", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-pack-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // --ignore-scripts: the prepare script would rebuild dist/, which the test run already has.
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: root,
    encoding: "utf8",
  });
  const [packed] = JSON.parse(out) as PackResult[];
  assert.ok(packed);
  const files = new Set(packed.files.map((f) => f.path));
  for (const must of ["LICENSE", "README.md", "package.json", "bin/idlereap.cjs", "docs/errors.md"])
    assert.ok(files.has(must), `${must} is not in the tarball`);
  // Build outputs that are not the package (the single executable, the image's staging) stay out,
  // whether or not they were built in this checkout.
  const strays = [...files].filter((f) => /^dist\/(sea|image)\//.test(f));
  assert.deepEqual(strays, [], "the tarball carries the single executable or the image");
  assert.ok(packed.size < 5e6, `tarball of ${packed.size} bytes`);
  const targets = readmeTargets();
  assert.ok(targets.length >= 8, `found only ${targets.length} README links`);
  const missing = targets.filter(
    (p) => !files.has(p) && ![...files].some((f) => f.startsWith(p.endsWith("/") ? p : `${p}/`)),
  );
  assert.deepEqual(missing, [], "README links to files the package does not ship");
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  assert.match(pkg.repository?.url ?? "", /^git\+https:\/\//);
  assert.match(pkg.homepage ?? "", /^https:\/\//);
  assert.match(pkg.bugs?.url ?? "", /^https:\/\//);

  // A global install of the tarball (under a throwaway prefix) runs, and its help names the docs it
  // shipped. Dependencies come from npm's cache when `npm install` filled it.
  const prefix = join(dir, "global");
  execFileSync(
    "npm",
    [
      "install",
      "-g",
      "--prefix",
      prefix,
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      join(dir, packed.filename),
    ],
    { cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
  );
  const help = execFileSync(join(prefix, "bin", "idlereap"), ["--help"], { encoding: "utf8" });
  const docs = join(prefix, "lib", "node_modules", "idlereap", "docs/");
  assert.ok(help.includes(`Documentation: ${docs}`), help);
  assert.ok(existsSync(join(docs, "ls.md")));
  const version = execFileSync(join(prefix, "bin", "idlereap"), ["--version"], { encoding: "utf8" });
  assert.equal(version.trim(), pkg.version);
});
