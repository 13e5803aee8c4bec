// Tuning profiles: YAML data files (profiles/*.yaml or a user's own) where every value carries its
// reason and source. A bad profile is refused before anything changes, naming file, line and key.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMap } from "yaml";
import { z } from "zod";
import { ConfigError, TuneProfileError } from "../errors.js";
import { parseYaml, readConfigFile } from "../util/config-file.js";
import { checkValue, folklore, normalizeValue, sysctlSpec } from "./sysctl-catalog.js";

export interface ProfileSetting {
  readonly key: string;
  readonly value: string;
  readonly reason: string;
  readonly source: string;
}

export interface Profile {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly settings: readonly ProfileSetting[];
}

/** Where the built-in profiles live: <package>/profiles, from src/tune or dist/tune alike. */
export const BUILTIN_PROFILE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "profiles");

const KEY = /^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/;

const settingSchema = z.strictObject({
  value: z.union([z.number().int(), z.string().min(1), z.array(z.number().int()).length(2)]),
  reason: z.string().trim().min(1, "every value needs a reason"),
  source: z.string().trim().min(1, "every value needs a source (a document or kernel file)"),
});

const profileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().min(1),
  settings: z.record(
    z.string().regex(KEY, "not a sysctl key (dotted, like net.ipv4.tcp_keepalive_time)"),
    settingSchema,
  ),
});

/** Resolves a profile name (built-in) or path (contains a slash or ends in .yaml/.yml). */
export function profilePath(nameOrPath: string, builtinDir = BUILTIN_PROFILE_DIR): string {
  if (nameOrPath.includes("/") || /\.ya?ml$/.test(nameOrPath)) return resolve(nameOrPath);
  if (!/^[\w-]+$/.test(nameOrPath)) {
    throw new TuneProfileError(`--profile: ${JSON.stringify(nameOrPath)} is not a profile name`);
  }
  return join(builtinDir, `${nameOrPath}.yaml`);
}

export function loadProfile(nameOrPath: string, builtinDir = BUILTIN_PROFILE_DIR): Profile {
  const file = profilePath(nameOrPath, builtinDir);
  if (!existsSync(file)) {
    throw new TuneProfileError(
      `profile ${JSON.stringify(nameOrPath)} not found (${file}); built-in: ${listBuiltinProfiles(builtinDir).join(", ")}`,
    );
  }
  return parseProfile(readConfigFile(file, "profile"), file);
}

export function listBuiltinProfiles(builtinDir = BUILTIN_PROFILE_DIR): string[] {
  return ["kernel-default", "fast-release", "high-concurrency", "cloud-lb"].filter((n) =>
    existsSync(join(builtinDir, `${n}.yaml`)),
  );
}

/** Parses and validates profile text; `file` is used in messages. */
export function parseProfile(text: string, file: string): Profile {
  const { doc, lines, data } = parseYaml(text, file, "not valid YAML: ");
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
    }
    return undefined;
  };
  const parsed = profileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const key =
      issue.path.length > 1 && issue.path[0] === "settings" ? String(issue.path[1]) : issue.path.join(".");
    throw new ConfigError(issue.message, where(file, lineOf(issue.path), key || undefined));
  }
  const settings: ProfileSetting[] = [];
  for (const [key, s] of Object.entries(parsed.data.settings)) {
    const value = normalizeValue(s.value);
    const problem = settingProblem(key, value);
    if (problem) throw new ConfigError(problem, where(file, lineOf(["settings", key, "value"]), key));
    settings.push({ key, value, reason: s.reason.trim(), source: s.source.trim() });
  }
  if (!isMap(doc.contents)) throw new ConfigError("a profile is a mapping", { file });
  return { name: parsed.data.name, description: parsed.data.description.trim(), file, settings };
}

function settingProblem(key: string, value: string): string | null {
  const f = folklore(key);
  if (f) return `refused: ${key} ${f.message}`;
  const s = sysctlSpec(key);
  if (s) {
    const p = checkValue(s, value);
    return p ? `value ${JSON.stringify(value)} ${p}` : null;
  }
  return /^[\w -]+$/.test(value) ? null : `value ${JSON.stringify(value)} is not a sysctl value`;
}

function where(file: string, line: number | undefined, key: string | undefined) {
  return {
    file,
    ...(line !== undefined ? { line } : {}),
    ...(key !== undefined ? { key } : {}),
  };
}
