#!/usr/bin/env node
// Runs the command line from dist/bundle/ (built by `npm run build`): the named command's own file
// when there is one, so that it loads only its code; else the whole program (help, --version and
// mistakes). CommonJS, like the bundles: a command starts without the ES module loader.
const { existsSync } = require("node:fs");
const { join } = require("node:path");

// A reader that goes away (`idlereap ls --json | head`) ends the output, as it does for any Unix tool.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const bundle = (file) => join(__dirname, "..", "dist", "bundle", `${file}.cjs`);
const name = process.argv.slice(2).find((a) => !a.startsWith("-"));
const own = name !== undefined && /^[a-z]+$/.test(name) && existsSync(bundle(name));

// Exits as soon as the command's output is written (exitWhenWritten), without the heap's teardown.
const cli = require(bundle(own ? name : "idlereap"));
cli.main(process.argv).then(cli.exitWhenWritten);
