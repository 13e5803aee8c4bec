// Benchmarks start Node processes; a NODE_EXTRA_CA_CERTS in the environment (set on this project's
// machines for their package proxy) makes every start parse a CA bundle, ~150 ms here, which no
// user's host pays and which has nothing to do with sockets. It is dropped for the children, and
// what it would have cost is printed so nothing is hidden.
import { execFileSync } from "node:child_process";

export function dropExtraCaCerts(): void {
  const bundle = process.env.NODE_EXTRA_CA_CERTS;
  if (!bundle) return;
  const time = (env: NodeJS.ProcessEnv) => {
    const t0 = performance.now();
    execFileSync(process.execPath, ["-e", "0"], { env });
    return performance.now() - t0;
  };
  const withIt = Math.min(time(process.env), time(process.env));
  delete process.env.NODE_EXTRA_CA_CERTS;
  const without = Math.min(time(process.env), time(process.env));
  console.log(
    `note: NODE_EXTRA_CA_CERTS is set here; Node starts in ${withIt.toFixed(0)} ms with it, ${without.toFixed(0)} ms without. Child processes run without it.`,
  );
}
