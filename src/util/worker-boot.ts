// Starting a worker thread from a module next to the caller: from dist/ the compiled .js runs as is;
// from sources (tests, benchmarks under tsx) the thread registers tsx first, which it does not
// inherit from its parent.
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
  const entry = new URL(`./${name}${fromSource ? ".ts" : ".js"}`, callerUrl).href;
  const loader = fromSource ? import.meta.resolve("tsx/esm/api") : undefined;
  return new Worker(BOOT, { eval: true, workerData: { entry, loader } });
}
