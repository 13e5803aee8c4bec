// Starting a worker thread from a module next to the caller, with the caller's own extension: from
// dist/ the compiled .js (or the command line's bundled .cjs) runs as is; from sources (tests,
// benchmarks under tsx) the thread registers tsx first, which it does not inherit from its parent.
import { extname } from "node:path";
import { Worker } from "node:worker_threads";

const BOOT = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.loader) (await import(workerData.loader)).register();
  await import(workerData.entry);
})();`;

/** Starts the worker module `name` (without extension) found beside `callerUrl`. */
export function startWorker(callerUrl: string, name: string): Worker {
  const fromSource = callerUrl.endsWith(".ts");
  const entry = new URL(`./${name}${extname(new URL(callerUrl).pathname)}`, callerUrl).href;
  const loader = fromSource ? import.meta.resolve("tsx/esm/api") : undefined;
  return new Worker(BOOT, { eval: true, workerData: { entry, loader } });
}
