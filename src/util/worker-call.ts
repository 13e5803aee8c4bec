// One request to a worker thread and its reply, matched by id, with a deadline: a thread that
// fails, exits or does not answer in time rejects the call, and the caller does the work itself.
import type { Worker } from "node:worker_threads";

/** Posts `request` (which carries `id`) to `worker` and resolves with the reply of the same id. */
export function callWorker<Reply extends { readonly id: number }>(
  worker: Worker,
  request: { readonly id: number },
  timeoutMs: number,
  name: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      worker.off("message", onMessage).off("error", onFailure).off("exit", onFailure);
      worker.unref();
    };
    const onMessage = (reply: Reply): void => {
      if (reply?.id !== request.id) return;
      done();
      resolve(reply);
    };
    const onFailure = (err: unknown): void => {
      done();
      reject(err instanceof Error ? err : new Error(`${name} thread exited (${String(err)})`));
    };
    const timer = setTimeout(() => onFailure(new Error(`${name} thread timed out`)), timeoutMs);
    worker.on("message", onMessage).once("error", onFailure).once("exit", onFailure);
    worker.ref();
    worker.postMessage(request);
  });
}
