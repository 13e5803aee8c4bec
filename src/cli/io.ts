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
