// A farm of idle loopback connections inside a network namespace, for benchmarks: spread over several
// worker processes (a process may hold at most 20000 descriptors here), bounded in time, always torn down.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./farm-worker.mjs", import.meta.url));
const MAX_FDS_PER_PROCESS = 19_000;
const live = new Set<ChildProcess>();

process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export interface FarmOptions {
  /** Established connections to open; each is two sockets, both held by the farm. */
  readonly connections: number;
  /** Worker processes to spread them over (more are used if one would pass its descriptor limit). */
  readonly processes: number;
  /** Name of the network namespace (under /run/netns) to build the farm in. */
  readonly netns: string;
  /** Gives up (and tears down) when the farm is not ready in this many ms; default 60000. */
  readonly timeoutMs?: number;
  /** Widens net.ipv4.ip_local_port_range inside the namespace (never on the host); default true. */
  readonly widenPortRange?: boolean;
  /** Port every worker listens on (each on its own 127.0.0.x address); default any free one. */
  readonly port?: number;
}

export interface Farm {
  readonly pids: number[];
  /** Sockets held by each worker, by pid (both ends of its connections). */
  readonly socketsByPid: ReadonlyMap<number, number>;
  readonly sockets: number;
  close(): Promise<void>;
}

interface WorkerReady {
  pid: number;
  sockets?: number;
  error?: string;
}

export async function buildFarm(options: FarmOptions): Promise<Farm> {
  const workers = Math.max(options.processes, Math.ceil((options.connections * 2) / MAX_FDS_PER_PROCESS));
  if (workers > 250) throw new Error(`farm: ${workers} workers is more than the 127.0.0.x addresses used`);
  if (options.widenPortRange !== false) widenPortRange(options.netns);
  const children: ChildProcess[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(children.map(stopWorker));
  };
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const shares = split(options.connections, workers);
    const readies = shares.map((connections, i) => {
      const child = startWorker(options.netns, `127.0.0.${i + 1}`, connections, options.port);
      children.push(child);
      return firstLine(child, deadline);
    });
    const ready = await Promise.all(readies);
    const socketsByPid = new Map(ready.map((r) => [r.pid, r.sockets ?? 0]));
    const sockets = [...socketsByPid.values()].reduce((a, b) => a + b, 0);
    return { pids: ready.map((r) => r.pid), socketsByPid, sockets, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function widenPortRange(netns: string): void {
  execFileSync("ip", ["netns", "exec", netns, "sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65000"]);
}

function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

function startWorker(netns: string, host: string, connections: number, port = 0): ChildProcess {
  const spec = JSON.stringify({ host, connections, port });
  const child = spawn("ip", ["netns", "exec", netns, process.execPath, WORKER, spec], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

async function firstLine(child: ChildProcess, deadline: number): Promise<WorkerReady> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error("farm: a worker was not ready in time")),
      deadline - Date.now(),
    );
  });
  const exited = once(child, "exit").then(() => {
    throw new Error(`farm: a worker exited early (${child.exitCode ?? child.signalCode})`);
  });
  try {
    const [line] = (await Promise.race([once(lines, "line"), timeout, exited])) as [string];
    const ready = JSON.parse(line) as WorkerReady;
    if (ready.error) throw new Error(`farm: worker ${ready.pid} failed: ${ready.error}`);
    return ready;
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.stdin?.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
  await exited;
  clearTimeout(timer);
}
