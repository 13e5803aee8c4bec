// Runs the idlereap CLI in-process through main(), capturing its output and exit code.
import { main } from "../../src/cli/main.js";

export async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const w = { out: process.stdout.write, err: process.stderr.write };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(["node", "idlereap", ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = w.out;
    process.stderr.write = w.err;
    process.exitCode = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
