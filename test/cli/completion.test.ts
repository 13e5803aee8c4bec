// Shell completion: the scripts, and the candidates `idlereap complete` gives them. @bomb.sh/tab
// prints with console.log, which these tests capture in-process (one child process would cost
// seconds of start-up per question); bash itself parses the bash script.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";

/** Runs the CLI in-process and returns what it printed through console.log. */
async function logged(args: string[]): Promise<string> {
  const saved = console.log;
  const out: string[] = [];
  console.log = (...parts: unknown[]) => out.push(`${parts.join(" ")}\n`);
  try {
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    console.log = saved;
  }
  return out.join("");
}

async function complete(...words: string[]): Promise<string[]> {
  const out = await logged(["complete", "--", ...words]);
  const lines = out.trimEnd().split("\n");
  assert.match(lines.at(-1) as string, /^:\d+$/, "the directive line ends the answer");
  return lines.slice(0, -1).map((l) => l.split("\t")[0] as string);
}

test("completion candidates: commands, flags, states, profiles, namespaces, sort keys", async () => {
  const commands = await complete("");
  for (const c of ["status", "ls", "top", "kill", "run", "tune", "firewall", "completion"]) {
    assert.ok(commands.includes(c), `command ${c}`);
  }
  assert.ok(!commands.includes("complete"), "the hidden command is not offered");
  assert.deepEqual(await complete("tune", ""), ["audit", "apply", "rollback", "lint"]);
  assert.ok((await complete("ls", "--s")).includes("--state"));
  assert.ok((await complete("ls", "--state", "")).includes("close-wait"));
  assert.deepEqual((await complete("tune", "apply", "--profile", "")).sort(), [
    "cloud-lb",
    "fast-release",
    "high-concurrency",
    "kernel-default",
  ]);
  assert.ok((await complete("status", "--netns", "")).includes("all"));
  assert.ok((await complete("top", "--sort", "")).includes("retrans"));
  assert.ok((await complete("ls", "--sort", "")).includes("rtt"), "ls has its own sort keys");
  assert.deepEqual(await complete("completion", ""), ["bash", "zsh", "fish"]);
});

test("completion scripts for bash, zsh and fish call idlereap complete; bash parses it", async () => {
  for (const shell of ["bash", "zsh", "fish"]) {
    const out = await logged(["completion", shell]);
    assert.match(out, /idlereap complete --/, shell);
  }
  const bash = await logged(["completion", "bash"]);
  execFileSync("bash", ["-n"], { input: bash });
  const bad = await runCli(["completion", "tcsh"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /shell: "tcsh" is not one of bash, zsh, fish/);
});
