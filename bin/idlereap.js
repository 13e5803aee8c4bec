#!/usr/bin/env node
// The command line as one bundle (dist/bundle/, built by `npm run build`): it starts faster than
// the module-per-file build in dist/cli/, which the library and the tests use.
import { main } from "../dist/bundle/main.js";

process.exitCode = await main(process.argv);
