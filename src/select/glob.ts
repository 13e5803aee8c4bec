// Name patterns as users write them for commands and cgroup paths: an exact name, or a glob whose
// `*` matches any run of characters. Compiled once per pattern.

const compiled = new Map<string, RegExp>();

/** Whether `text` matches `pattern` (exact, or a glob with `*`). */
export function matchGlob(pattern: string, text: string): boolean {
  if (!pattern.includes("*")) return pattern === text;
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`);
    compiled.set(pattern, re);
  }
  return re.test(text);
}

/** Whether any of the patterns matches `text`. */
export function matchAnyGlob(patterns: readonly string[], text: string): boolean {
  for (const p of patterns) if (matchGlob(p, text)) return true;
  return false;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}
