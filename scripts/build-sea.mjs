// Builds the single executable (`npm run build:sea`): dist/sea/idlereap, a copy of this Node binary
// with the whole command line injected (Node's single executable applications), carrying koffi's
// native module, package.json, the built-in profiles and the owner-walk worker as assets that
// scripts/sea/boot.cjs unpacks at start. Runs on a machine without Node; needs glibc (see ldd).
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { build } from "esbuild";
import { inject } from "postject";
import { common, lazyChildProcess } from "./esbuild-common.mjs";

const OUT = "dist/sea";
const arch = process.arch;
if (process.platform !== "linux") throw new Error("the single executable is built for Linux only");
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const require = createRequire(import.meta.url);
// koffi picks its prebuilt module from @koromix/koffi-linux-<arch>; the glibc build, as Node's own.
const nativeDir = dirname(require.resolve(`@koromix/koffi-linux-${arch}/package.json`));
const nativeFile = join(nativeDir, `linux_${arch}`, "koffi.node");

/** koffi's lookup of its prebuilt package resolves to the module boot.cjs loaded. */
const koffiNative = {
  name: "koffi-native",
  setup(b) {
    b.onResolve({ filter: /^@koromix\/koffi-/ }, (args) =>
      args.path === `@koromix/koffi-linux-${arch}`
        ? { path: resolve("scripts/sea/koffi-native.cjs") }
        : { path: args.path, external: true },
    );
  },
};

/**
 * src/kernel/libc.ts loads koffi with createRequire(import.meta.url)("koffi"), which a bundler cannot
 * follow: the sources' createRequire gets a require that answers "koffi" from the bundle.
 */
const bundledKoffi = {
  name: "bundled-koffi",
  setup(b) {
    b.onResolve({ filter: /^node:module$/ }, (args) =>
      args.importer.startsWith(resolve("src")) ? { path: "module", namespace: "bundled-koffi" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "bundled-koffi" }, () => ({
      contents: `const m = require("node:module");
module.exports = { ...m, createRequire(url) {
  const r = m.createRequire(url);
  return (id) => (id === "koffi" ? require("koffi") : r(id));
} };`,
      loader: "js",
      resolveDir: process.cwd(),
    }));
  },
};

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const bundled = {
  ...common,
  outdir: OUT,
  // ink and React (for `top`) are ES modules with top-level awaits, which a CommonJS bundle cannot
  // hold: the single executable has no `top`, and says so.
  external: ["ink", "react", "ansi-escapes"],
  plugins: [lazyChildProcess, koffiNative, bundledKoffi],
};
await Promise.all([
  build({
    ...bundled,
    entryPoints: { idlereap: "scripts/sea/main.ts" },
    banner: { js: readFileSync("scripts/sea/boot.cjs", "utf8") },
  }),
  build({ ...bundled, entryPoints: { "owner-walk-worker": "src/proc/owner-walk-worker.ts" } }),
]);

// Asset names are the paths boot.cjs unpacks them to, relative to the directory the code thinks it
// was installed in (two levels above dist/bundle/, as in the npm package).
const assets = {
  "koffi.node": nativeFile,
  "package.json": join(OUT, "package.json"),
  "dist/bundle/owner-walk-worker.cjs": join(OUT, "owner-walk-worker.cjs"),
};
writeFileSync(assets["package.json"], `${JSON.stringify({ name: pkg.name, version: pkg.version })}\n`);
for (const f of readdirSync("profiles")) assets[`profiles/${f}`] = join("profiles", f);
writeFileSync(join(OUT, "manifest.json"), JSON.stringify(Object.keys(assets)));
const config = {
  main: join(OUT, "idlereap.cjs"),
  output: join(OUT, "idlereap.blob"),
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  assets: { "manifest.json": join(OUT, "manifest.json"), ...assets },
};
writeFileSync(join(OUT, "sea-config.json"), JSON.stringify(config, null, 2));
execFileSync(process.execPath, ["--experimental-sea-config", join(OUT, "sea-config.json")], {
  stdio: "inherit",
});

// The executable: this Node binary without its debug sections (about 13 MB of the 99 here), then
// the blob injected where Node's fuse says to look for it.
const exe = join(OUT, "idlereap");
try {
  execFileSync("strip", ["--strip-all", "-o", exe, process.execPath]);
} catch {
  copyFileSync(process.execPath, exe);
  process.stderr.write(
    "build-sea: `strip` (Debian package binutils) is missing; the executable keeps Node's symbols\n",
  );
}
chmodSync(exe, 0o755);
await inject(exe, "NODE_SEA_BLOB", readFileSync(config.output), {
  sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
});
const mb = (statSync(exe).size / 1e6).toFixed(1);
process.stdout.write(`${exe}: ${mb} MB, Node ${process.version}, linux-${arch}\n`);
