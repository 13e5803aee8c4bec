// Name patterns as users write them for commands and cgroup paths: an exact name, or a glob whose
// `*` matches any run of characters. Matched in linear time, since unprivileged users choose the
// names (systemd user scopes, process titles) and a backtracking RegExp takes seconds on a few stars.

/**
 * Whether `text` matches `pattern` (exact, or a glob with `*`). The classic two-pointer wildcard
 * match: on a mismatch only the last star is retried one character further, so the work is
 * O(pattern × text) at worst and linear in practice, never exponential.
 */
export function matchGlob(pattern: string, text: string): boolean {
  const star1 = pattern.indexOf("*");
  if (star1 < 0) return pattern === text;
  // One star (the usual "java*", "*.service"): a prefix and a suffix, no scan.
  if (pattern.indexOf("*", star1 + 1) < 0) {
    return (
      text.length >= pattern.length - 1 &&
      text.startsWith(pattern.slice(0, star1)) &&
      text.endsWith(pattern.slice(star1 + 1))
    );
  }
  let p = 0;
  let t = 0;
  let star = -1; // index in pattern of the last star seen
  let resume = 0; // index in text the last star's run ends at so far
  while (t < text.length) {
    if (p < pattern.length && pattern.charCodeAt(p) === 42 /* * */) {
      star = p++;
      resume = t;
    } else if (p < pattern.length && pattern.charCodeAt(p) === text.charCodeAt(t)) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

/** Whether any of the patterns matches `text`. */
export function matchAnyGlob(patterns: readonly string[], text: string): boolean {
  for (const p of patterns) if (matchGlob(p, text)) return true;
  return false;
}
