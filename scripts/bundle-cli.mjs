// Bundles the command line into dist/bundle/, one self-contained CommonJS file per command:
// `kill.cjs` is the program with the kill command alone, and so on for each file in
// src/cli/commands. A command then loads one file, not some sixty ES modules: resolving and linking
// those, and starting the ES module loader at all, was about a third of a short command's run.
// `idlereap.cjs` is the whole program, for help, --version and mistakes; `owner-walk-worker.cjs` is
// the owner walk's thread. bin/idlereap.cjs picks the file. The library (dist/*.js) stays ES
// modules as tsc emits them. Files stay two levels below the package root, as in dist/cli/, so paths
// that code resolves from its own URL (package.json, profiles/, the owner-walk worker) stay valid.
import { readdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { build } from "esbuild";
import { common, lazyChildProcess } from "./esbuild-common.mjs";

const OUT = common.outdir;
const commands = readdirSync("src/cli/commands")
  .filter((f) => f.endsWith(".ts") && f !== "index.ts")
  .map((f) => f.slice(0, -3));

/** Swaps main.ts's command table for one that holds `name` alone (each file exports `<name>Command`). */
const oneCommand = (name) => ({
  name: "one-command",
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/index\.js$/ }, () => ({ path: name, namespace: "one-command" }));
    b.onLoad({ filter: /.*/, namespace: "one-command" }, () => ({
      contents: `import { ${name}Command } from ${JSON.stringify(resolve(`src/cli/commands/${name}.ts`))};
export async function loadCommands() { return [${name}Command]; }`,
      loader: "ts",
      resolveDir: process.cwd(),
    }));
  },
});

rmSync(OUT, { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: {
      idlereap: "src/cli/main.ts",
      "owner-walk-worker": "src/proc/owner-walk-worker.ts",
    },
  }),
  ...commands.map((name) =>
    build({
      ...common,
      entryPoints: { [name]: "src/cli/main.ts" },
      plugins: [lazyChildProcess, oneCommand(name)],
    }),
  ),
]);
