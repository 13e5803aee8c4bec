// Glob matching: the linear two-pointer matcher against the backtracking RegExp it replaced (what
// a user would otherwise write), on a hostile cgroup path with stars and on an ordinary unit name.
// The RegExp's time grows with the path to the power of the stars; the matcher's stays linear.
// Run: `npx tsx bench/glob.ts`.
import { matchGlob } from "../src/select/glob.js";

const regexpOf = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );

function time(fn: () => void, runs: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) fn();
  return Number(process.hrtime.bigint() - started) / 1e6 / runs;
}

const cases: [string, string, string][] = [
  ["ordinary unit", "/system.slice/*.service", "/system.slice/nginx.service"],
  ["3 stars, 40 chars", "/*a*a*a*.service", `/${"a".repeat(39)}`],
  ["4 stars, 60 chars", "/*a*a*a*a*.service", `/${"a".repeat(59)}`],
  ["5 stars, 200 chars", "/*a*a*a*a*a*.service", `/${"a".repeat(199)}`],
];
// Warm the JIT up on the ordinary case first, so that the first figure is not the compiler's.
time(() => matchGlob("/system.slice/*.service", "/system.slice/nginx.service"), 200_000);
for (const [name, pattern, text] of cases) {
  const linear = time(() => matchGlob(pattern, text), 2000);
  // The RegExp is only timed where it ends in seconds; past that its figure is an estimate.
  const re = regexpOf(pattern);
  const skip = text.length > 100;
  const backtracking = skip ? Number.NaN : time(() => re.test(text), name.startsWith("ordinary") ? 2000 : 3);
  const ratio = skip
    ? "RegExp: 17-31 s per match (issue 16), not run"
    : `RegExp/linear ${(backtracking / linear).toFixed(2)}x`;
  console.log(
    `${name.padEnd(20)} linear ${(linear * 1000).toFixed(2)} µs  RegExp ${skip ? "-" : `${(backtracking * 1000).toFixed(2)} µs`}  ${ratio}`,
  );
}
