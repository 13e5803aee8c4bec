// Shared by the guard benchmarks: start this same script in a child process in another role, read
// its JSON lines, and print figures against their targets.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface Child {
  readonly proc: ChildProcess;
  next<T = Record<string, unknown>>(limitMs?: number): Promise<T>;
  send(cmd: Record<string, unknown>): void;
  stop(): Promise<void>;
}

/**
 * Runs `script` (a .ts file) under tsx in a child, with extra node flags and arguments; `cpu` pins
 * it to one CPU with taskset.
 */
export function spawnRole(script: string, args: string[], nodeFlags: string[] = [], cpu?: number): Child {
  const argv = [process.execPath, ...nodeFlags, "--import", "tsx", script, ...args];
  if (cpu !== undefined) argv.unshift("taskset", "-c", String(cpu));
  const proc = spawn(argv[0] as string, argv.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const queue: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  lines.on("line", (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else queue.push(l);
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    proc,
    next<T>(limitMs = 60_000) {
      return new Promise<T>((resolve, reject) => {
        const q = queue.shift();
        if (q !== undefined) return resolve(JSON.parse(q) as T);
        const timer = setTimeout(() => reject(new Error(`${script} ${args.join(" ")}: no answer`)), limitMs);
        waiters.push((l) => {
          clearTimeout(timer);
          resolve(JSON.parse(l) as T);
        });
      });
    },
    send(cmd) {
      proc.stdin?.write(`${JSON.stringify(cmd)}\n`);
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGKILL");
      await exited;
    },
  };
}

/** Prints one line per JSON command on stdin to `handler`, for the child side of spawnRole. */
export function onCommands(handler: (cmd: Record<string, unknown>) => void | Promise<void>): void {
  createInterface({ input: process.stdin }).on("line", (l) => void handler(JSON.parse(l)));
  process.stdin.on("end", () => process.exit(0));
}

export function reply(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

/** One result line: the figure, the target, and whether it is met. */
export function verdict(what: string, figure: string, target: string, ok: boolean): string {
  return `${ok ? "PASS" : "FAIL"}  ${what}: ${figure} (target ${target})`;
}
