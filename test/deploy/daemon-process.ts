// Starts `idlereap run` from source as a child process (optionally under a low descriptor limit) on
// a policy written to a temp dir, and finds its metrics address in its log.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLI = new URL("../../src/cli/dev-entry.ts", import.meta.url).pathname;

export interface DaemonProcess {
  readonly child: ChildProcess;
  /** "host:port" of the metrics endpoint. */
  readonly address: string;
  /** Log lines so far. */
  readonly lines: string[];
  readonly dir: string;
  stop(): Promise<void>;
}

export interface DaemonProcessOptions {
  /** RLIMIT_NOFILE (soft and hard) of the daemon, set with `ulimit -n` before exec. */
  nofile?: number;
}

/** Starts the daemon with `policy` (YAML); `{dir}` in it is replaced by the daemon's temp dir. */
export async function startDaemon(
  policy: string,
  options: DaemonProcessOptions = {},
): Promise<DaemonProcess> {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-daemon-"));
  const file = join(dir, "policy.yaml");
  writeFileSync(file, policy.replaceAll("{dir}", dir));
  const argv = [process.execPath, "--import", "tsx", CLI, "run", "--config", file];
  const command = options.nofile ? `ulimit -n ${options.nofile} && exec "$@"` : 'exec "$@"';
  const child = spawn("sh", ["-c", command, "sh", ...argv], { stdio: ["ignore", "ignore", "pipe"] });
  const lines: string[] = [];
  let buf = "";
  child.stderr?.on("data", (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    lines.push(...parts);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await once(child, "exit");
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const m = lines.map((l) => /metrics on http:\/\/(\S+)\/metrics/.exec(l)).find(Boolean);
      if (m) return { child, address: m[1] as string, lines, dir, stop };
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`daemon did not start (exit ${child.exitCode}):\n${lines.join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await stop();
    throw err;
  }
}
