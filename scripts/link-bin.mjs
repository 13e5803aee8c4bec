// After `npm install` in this repository, make `npx idlereap` run this checkout's CLI: npm links
// the bins of dependencies into node_modules/.bin, never the root package's own.
import { mkdirSync, rmSync, symlinkSync } from "node:fs";

const bin = new URL("../node_modules/.bin/", import.meta.url);
mkdirSync(bin, { recursive: true });
const link = new URL("idlereap", bin);
rmSync(link, { force: true });
symlinkSync("../../bin/idlereap.js", link);
