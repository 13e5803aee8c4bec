// Runs the idlereap CLI in-process and captures what it prints and its exit code. Output goes to
// streams handed to main(), never by patching process.stdout (the test runner reports through it).
import { Writable } from "node:stream";
import { main } from "../../src/cli/main.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function collector(into: string[]): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      into.push(String(chunk));
      done();
    },
  });
}

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const savedExit = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(["node", "idlereap", ...args], {
      stdout: collector(out),
      stderr: collector(err),
    });
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.exitCode = savedExit;
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
