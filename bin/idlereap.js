#!/usr/bin/env node
// Runs the command line from dist/bundle/ (built by `npm run build`): the named command's own file
// when there is one, so that it loads only its code; else the whole program (help, --version and
// mistakes).
import { existsSync } from "node:fs";

const name = process.argv.slice(2).find((a) => !a.startsWith("-"));
const own = name !== undefined && /^[a-z]+$/.test(name) && existsSync(bundle(name));
const { main } = await import(bundle(own ? name : "idlereap"));

process.exitCode = await main(process.argv);

function bundle(file) {
  return new URL(`../dist/bundle/${file}.js`, import.meta.url);
}
