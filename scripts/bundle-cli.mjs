// Bundles the command line into dist/bundle/: an entry, one chunk per command and shared chunks, with
// commander, zod, yaml and prom-client inside. `idlereap` then starts without resolving some sixty
// modules, which is about a third of a short command's run. The library (dist/*.js) stays as tsc
// emits it. Files stay two levels below the package root, as in dist/cli/, so paths that code
// resolves from its own URL (package.json, profiles/, the owner-walk worker) stay valid.
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist/bundle", { recursive: true, force: true });

await build({
  entryPoints: {
    main: "src/cli/main.ts",
    "owner-walk-worker": "src/proc/owner-walk-worker.ts",
  },
  outdir: "dist/bundle",
  entryNames: "[name]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // koffi is a native addon: libc.ts requires it at run time from node_modules.
  external: ["koffi"],
  // CommonJS dependencies inside an ESM bundle call require() for Node's built-ins.
  banner: {
    js: 'import { createRequire as __idlereapCreateRequire } from "node:module"; const require = __idlereapCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
});
