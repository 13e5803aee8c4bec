// Reads a policy file: YAML parsed with positions kept, validated by the schema, and every problem
// reported as file: line N: key: what is wrong, with the line of the key at fault.
import { readFileSync } from "node:fs";
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError, IdlereapError } from "../errors.js";
import { type Policy, policySchema } from "./policy-schema.js";

export function loadPolicyFile(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new IdlereapError(
      "IDLEREAP_ERR_CONFIG_READ",
      `cannot read policy ${file}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return parsePolicy(text, file);
}

/** Parses and validates policy text; `file` only names it in errors. */
export function parsePolicy(text: string, file = "<policy>"): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = lineCounter.linePos(yamlError.pos[0]).line;
    throw new ConfigError(`YAML: ${yamlError.message.split("\n")[0]}`, { file, line });
  }
  const result = policySchema.safeParse(doc.toJS() ?? {});
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
