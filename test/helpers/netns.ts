// Throwaway network namespaces for real-kernel tests: created per test with loopback up, deleted
// afterwards even when the test fails, and on process exit as a last resort.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

const live = new Set<string>();
let counter = 0;

process.on("exit", () => {
  for (const name of live) {
    try {
      execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
    } catch {}
  }
});

export interface TestNetns {
  readonly name: string;
  readonly path: string;
  /** Runs a command inside the namespace and returns its stdout. */
  exec(cmd: string, args: string[]): string;
  /** Starts a Node fixture inside the namespace; resolves once it printed its first JSON line. */
  spawnFixture<T = Record<string, unknown>>(script: string, args?: string[]): Promise<Fixture<T>>;
}

export interface Fixture<T> {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly ready: T;
  /** The next JSON line the fixture prints. */
  next<U = Record<string, unknown>>(): Promise<U>;
  send(command: Record<string, unknown>): void;
  kill(): Promise<void>;
}

export function createNetns(prefix = "irt"): TestNetns {
  const name = `${prefix}-${process.pid}-${++counter}`;
  execFileSync("ip", ["netns", "add", name]);
  live.add(name);
  execFileSync("ip", ["-n", name, "link", "set", "lo", "up"]);
  const fixtures: Fixture<unknown>[] = [];
  const ns: TestNetns & { fixtures: Fixture<unknown>[] } = {
    name,
    path: `/run/netns/${name}`,
    fixtures,
    exec(cmd, args) {
      return execFileSync("ip", ["netns", "exec", name, cmd, ...args], { encoding: "utf8" });
    },
    async spawnFixture<T>(script: string, args: string[] = []) {
      const f = await startFixture<T>(["netns", "exec", name, process.execPath, script, ...args]);
      fixtures.push(f as Fixture<unknown>);
      return f;
    },
  };
  return ns;
}

export async function destroyNetns(ns: TestNetns): Promise<void> {
  const fixtures = (ns as unknown as { fixtures: Fixture<unknown>[] }).fixtures ?? [];
  await Promise.all(fixtures.map((f) => f.kill()));
  try {
    execFileSync("ip", ["netns", "del", ns.name], { stdio: "ignore" });
  } catch {}
  live.delete(ns.name);
}

/** Runs `fn` with a fresh namespace and always deletes it afterwards. */
export async function withNetns<R>(fn: (ns: TestNetns) => Promise<R>, prefix?: string): Promise<R> {
  const ns = createNetns(prefix);
  try {
    return await fn(ns);
  } finally {
    await destroyNetns(ns);
  }
}

async function startFixture<T>(ipArgs: string[]): Promise<Fixture<T>> {
  const child = spawn("ip", ipArgs, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const queue: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  lines.on("line", (line) => {
    const w = waiters.shift();
    if (w) w(line);
    else queue.push(line);
  });
  const exited = once(child, "exit");
  const nextLine = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const q = queue.shift();
      if (q !== undefined) return resolve(q);
      const timer = setTimeout(() => reject(new Error("fixture did not answer within 20s")), 20_000);
      waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      exited.then(() => reject(new Error(`fixture exited (${child.exitCode})`)), reject);
    });
  let ready: T & { pid?: number };
  try {
    ready = JSON.parse(await nextLine()) as T & { pid?: number };
  } catch (err) {
    // A fixture that never got ready is killed here: nobody else holds it, and a live child would
    // keep the test runner waiting for ever.
    child.kill("SIGKILL");
    throw err;
  }
  return {
    child,
    pid: ready.pid ?? (child.pid as number),
    ready,
    async next<U>() {
      return JSON.parse(await nextLine()) as U;
    },
    send(command) {
      child.stdin?.write(`${JSON.stringify(command)}\n`);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}
