// Where the CLI writes: the process's stdout and stderr, or the streams main() was given (tests
// run commands in-process and must not capture the test runner's own output).
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

let current: CliIo | undefined;

export const io: CliIo = {
  get stdout() {
    return current?.stdout ?? process.stdout;
  },
  get stderr() {
    return current?.stderr ?? process.stderr;
  },
};

/** Runs `fn` with the CLI's output sent to `streams`. */
export async function withIo<T>(streams: CliIo | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = current;
  current = streams ?? saved;
  try {
    return await fn();
  } finally {
    current = saved;
  }
}

/**
 * Ends the process with `code` once stdout and stderr have drained. Exiting at once skips the
 * teardown of the heap (~60 ms after a command that held 10k connections), but a pipe takes what
 * its buffer holds and Node queues the rest: `process.exit` alone would cut a large output short.
 */
export function exitWhenWritten(code: number): void {
  let left = 2;
  const done = () => {
    if (--left === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}
