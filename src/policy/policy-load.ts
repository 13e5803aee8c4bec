// Reads a policy file: YAML parsed with positions kept, validated by the schema, and every problem
// reported as file: line N: key: what is wrong, with the line of the key at fault.
import { isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { parseYaml, readConfigFile } from "../util/config-file.js";
import { type Policy, policySchema } from "./policy-schema.js";

/** Reads a policy: a regular file under the size cap (a FIFO or /dev/zero is refused, not read). */
export function loadPolicyFile(file: string): Policy {
  return parsePolicy(readConfigFile(file, "policy"), file);
}

/** Parses and validates policy text; `file` only names it in errors. */
export function parsePolicy(text: string, file = "<policy>"): Policy {
  const { doc, lines: lineCounter, data } = parseYaml(text, file, "YAML: ");
  const result = policySchema.safeParse(data ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => locate(issue, doc.contents, lineCounter))
    .sort((a, b) => a.line - b.line);
  const [first, ...rest] = problems as [Problem, ...Problem[]];
  const more = rest.map((p) => `\n  ${file}: line ${p.line}: ${p.key}: ${p.message}`).join("");
  throw new ConfigError(`${first.message}${more}`, { file, line: first.line, key: first.key });
}

interface Problem {
  line: number;
  key: string;
  message: string;
}

function locate(issue: z.core.$ZodIssue, root: unknown, lines: LineCounter): Problem {
  // A one-or-many value that is a list reports the list's problem (e.g. too many items), not the
  // union's "Invalid input".
  if (issue.code === "invalid_union") {
    const branch = issue.errors.find((b) => b.length > 0 && b.every((i) => i.code !== "invalid_type"));
    const inner = branch?.[0];
    if (inner) return locate({ ...inner, path: [...issue.path, ...inner.path] }, root, lines);
  }
  const path = [...issue.path] as (string | number)[];
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    path.push(issue.keys[0] as string);
    message = `unknown key${issue.keys.length > 1 ? `s ${issue.keys.join(", ")}` : ""}`;
  } else if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) {
    message = "is required";
  }
  return { line: lineOf(root, path, lines), key: formatPath(path) || "(top level)", message };
}

/** The line of the deepest node on `path` that exists: the key for a map entry, the item for a list. */
function lineOf(root: unknown, path: readonly (string | number)[], lines: LineCounter): number {
  let node = root as Node | null | undefined;
  let offset = (node as Node | undefined)?.range?.[0] ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === segment);
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return lines.linePos(offset).line;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `${out ? "." : ""}${String(p)}`;
  return out;
}
