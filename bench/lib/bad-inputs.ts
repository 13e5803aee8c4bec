// The cases of bench/bad-input-corpus.ts: each a command line, the exit it must end with (2 unless
// said) and what its message must name (the flag, or the file with a line or key).
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Case {
  area: "flags" | "policy" | "profile" | "lint";
  name: string;
  args: string[];
  /** What a clear refusal names. */
  names: RegExp;
  /** The exit of a clear refusal (default 2). */
  exit?: number;
  setup?: () => void;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function flagCases(netns: string): Case[] {
  const f = (name: string, args: string[], flag: string): Case => ({
    area: "flags",
    name,
    args,
    names: new RegExp(esc(flag)),
  });
  return [
    f("ls --port 70000", ["ls", "--port", "70000"], "--port"),
    f("ls --port abc", ["ls", "--port", "abc"], "--port"),
    f("ls --port empty", ["ls", "--port", ""], "--port"),
    f("ls --port -1", ["ls", "--port=-1"], "--port"),
    f("ls --port 3000 times", ["ls", ...Array.from({ length: 3000 }, (_, i) => `--port=${i}`)], "--port"),
    f("ls --sport 1e3", ["ls", "--sport", "1e3"], "--sport"),
    f("ls --dport 0x50", ["ls", "--dport", "0x50"], "--dport"),
    f("ls --state bogus", ["ls", "--state", "bogus"], "state"),
    f("ls --state empty", ["ls", "--state", ""], "--state"),
    f("ls --src 300.1.1.1/8", ["ls", "--src", "300.1.1.1/8"], "--src"),
    f("ls --dst 10.0.0.0/99", ["ls", "--dst", "10.0.0.0/99"], "--dst"),
    f("ls --src ::g/64", ["ls", "--src", "::g/64"], "--src"),
    f("ls --idle-over 5x", ["ls", "--idle-over", "5x"], "--idle-over"),
    f("ls --idle-over huge", ["ls", "--idle-over", "99999999999999999999d"], "--idle-over"),
    f("ls --idle-over -5s", ["ls", "--idle-over=-5s"], "--idle-over"),
    f("ls --limit -3", ["ls", "--limit=-3"], "--limit"),
    f("ls --limit abc", ["ls", "--limit", "abc"], "--limit"),
    f("ls --sort bogus", ["ls", "--sort", "bogus"], "--sort"),
    f("ls --netns ../../etc", ["ls", "--netns", "../../etc"], "../../etc"),
    f("ls --netns empty", ["ls", "--netns", ""], "--netns"),
    f("ls --netns /etc", ["ls", "--netns", "/etc"], "/etc"),
    f("ls --netns missing", ["ls", "--netns", "idlereap-no-such-ns"], "idlereap-no-such-ns"),
    f("ls --pid 0", ["ls", "--pid", "0"], "--pid"),
    f("ls --pid abc", ["ls", "--pid", "abc"], "--pid"),
    f("ls --pid empty", ["ls", "--pid", ""], "--pid"),
    f("ls --comm empty", ["ls", "--comm", ""], "--comm"),
    f("ls --keepalive maybe", ["ls", "--keepalive", "maybe"], "--keepalive"),
    f("ls --bogus", ["ls", "--bogus"], "--bogus"),
    f("unknown command", ["frobnicate"], "frobnicate"),
    f("status --fail-on bogus", ["status", "--fail-on", "bogus"], "--fail-on"),
    f("status --dead-peer-after x", ["status", "--dead-peer-after", "x"], "--dead-peer-after"),
    f("status --dead-peer-after 0", ["status", "--dead-peer-after", "0x"], "--dead-peer-after"),
    f("kill --grace 30d", ["kill", "--grace", "30d", "--netns", netns], "--grace"),
    f("kill --grace abc", ["kill", "--grace", "abc"], "--grace"),
    f("kill --grace -1s", ["kill", "--grace=-1s"], "--grace"),
    f("kill --protect-port 99999", ["kill", "--protect-port", "99999"], "--protect-port"),
    f("kill --protect-comm empty", ["kill", "--protect-comm", ""], "--protect-comm"),
    f("kill --limit x", ["kill", "--limit", "x"], "--limit"),
    f("kill --port empty --yes", ["kill", "--port", "", "--yes", "--netns", netns], "--port"),
    f("probe --probes 0", ["probe", "--probes", "0"], "--probes"),
    f("probe --probes abc", ["probe", "--probes", "abc"], "--probes"),
    f("probe --interval 1500ms", ["probe", "--interval", "1500ms"], "--interval"),
    f("probe --interval 30d", ["probe", "--interval", "30d"], "--interval"),
    f(
      "firewall apply --established abc",
      ["firewall", "apply", "--port", "8080", "--established", "abc"],
      "--established",
    ),
    f(
      "firewall apply --established 30000d",
      ["firewall", "apply", "--port", "8080", "--established", "30000d"],
      "--established",
    ),
    f(
      "firewall apply --close-wait x",
      ["firewall", "apply", "--port", "8080", "--close-wait", "x"],
      "--close-wait",
    ),
    f("firewall apply --port 70000", ["firewall", "apply", "--port", "70000"], "--port"),
    f("firewall apply --netns /etc", ["firewall", "apply", "--port", "8080", "--netns", "/etc"], "/etc"),
    f("tune audit --netns ../x", ["tune", "audit", "--netns", "../x"], "../x"),
    f("tune audit --profile 'a b'", ["tune", "audit", "--profile", "a b"], "--profile"),
    f(
      "tune audit --profile missing name",
      ["tune", "audit", "--profile", "no-such-profile"],
      "no-such-profile",
    ),
    f(
      "tune rollback --netns missing",
      ["tune", "rollback", "--netns", "idlereap-no-such-ns"],
      "idlereap-no-such-ns",
    ),
    f("run --config empty", ["run", "--config", ""], "--config"),
    {
      ...f(
        "run --check --config missing",
        ["run", "--check", "--config", "/nonexistent/p.yaml"],
        "/nonexistent/p.yaml",
      ),
      exit: 1,
    },
    f("run --check --config /dev/zero", ["run", "--check", "--config", "/dev/zero"], "/dev/zero"),
  ];
}

function policyCases(dir: string): Case[] {
  const cases: Case[] = [];
  const p = (name: string, text: string, once = false) => {
    const file = join(dir, `policy-${cases.length}.yaml`);
    cases.push({
      area: "policy",
      name,
      args: once ? ["run", "--once", "--dry-run", "--config", file] : ["run", "--check", "--config", file],
      names: new RegExp(`${esc(file)}: (line \\d+|[\\w.]+(\\[\\d+\\])?[\\w.]*:)`),
      setup: () => writeFileSync(file, text),
    });
  };
  const r = "rules: [{ name: a }]\n";
  const rule = (match: string, extra = "") => `rules:\n  - name: a\n    match: { ${match} }\n${extra}`;
  p("YAML syntax error", "rules: [ { name: a }\n");
  p("tab indentation", "rules:\n\t- name: a\n");
  p("unknown top-level key", `bogus: 1\n${r}`);
  p("unknown rule key", "rules:\n  - name: a\n    bogus: 1\n");
  p("unknown match key", rule("bogus: 1"));
  p("interval 0", `interval: 0\n${r}`);
  p("interval 30d", `interval: 30d\n${r}`);
  p("interval 99999999999999999999d", `interval: 99999999999999999999d\n${r}`);
  p("interval -5s", `interval: -5s\n${r}`);
  p("interval 5 parsecs", `interval: 5 parsecs\n${r}`);
  p("interval NaN", `interval: .nan\n${r}`);
  p("grace 30d", "rules:\n  - name: a\n    grace: 30d\n");
  p("metrics.refresh 30d", `metrics: { refresh: 30d }\n${r}`);
  p(
    "keepalive.userTimeout 30d",
    "rules:\n  - name: a\n    action: keepalive\n    keepalive: { userTimeout: 30d }\n",
  );
  p("rules empty", "rules: []\n");
  p("rules missing", "interval: 5s\n");
  p("empty file", "");
  p("rule without name", "rules:\n  - action: report\n");
  p("duplicate rule names", "rules: [{ name: a }, { name: a }]\n");
  p("action bogus", "rules:\n  - name: a\n    action: nuke\n");
  p("state bogus", rule("state: bogus"));
  p("port 70000", rule("port: 70000"));
  p("port -1", rule("port: -1"));
  p("port http", rule("port: http"));
  p("port 1.5", rule("port: 1.5"));
  p("port list of 3000", rule(`port: [${Array.from({ length: 3000 }, (_, i) => i).join(",")}]`));
  p("port list of 400000", rule(`port: [${"1,".repeat(400_000)}1]`));
  p("src bad CIDR", rule("src: 300.0.0.0/8"));
  p("dst bad prefix", rule("dst: 10.0.0.0/40"));
  p("pid 0", rule("pid: 0"));
  p("pid -1", rule("pid: -1"));
  p("process empty", rule('process: ""'));
  p("cgroup empty", rule('cgroup: ""'));
  p("idle abc", rule("idle: abc"));
  p("keepalive.idle 40000s", "rules:\n  - name: a\n    keepalive: { idle: 40000s }\n");
  p("keepalive.count 0", "rules:\n  - name: a\n    keepalive: { count: 0 }\n");
  p("keepalive.count 1000", "rules:\n  - name: a\n    keepalive: { count: 1000 }\n");
  p("userTimeout below idle+intvl*count", "rules:\n  - name: a\n    keepalive: { userTimeout: 1s }\n");
  p("metrics.listen port 99999", `metrics: { listen: "127.0.0.1:99999" }\n${r}`);
  p("metrics.listen 999.999.999.999", `metrics: { listen: "999.999.999.999:9848" }\n${r}`);
  p("metrics.listen no port", `metrics: { listen: "127.0.0.1" }\n${r}`);
  p("metrics.listen hostname", `metrics: { listen: "example.com:9848" }\n${r}`);
  p("audit.file a directory", `audit: { file: ${dir}/adir }\n${r}`);
  p("audit.file under a file", `audit: { file: ${dir}/plain/audit.jsonl }\n${r}`);
  p("audit.file a FIFO", `audit: { file: ${dir}/fifo }\n${r}`);
  p("audit.file a link loop", `audit: { file: ${dir}/loop-a }\n${r}`);
  p("audit.file empty", `audit: { file: "" }\n${r}`);
  p("namespaces ../../etc", `namespaces: ['../../etc']\n${r}`);
  p("namespaces empty list", `namespaces: []\n${r}`);
  p("namespaces /etc", `namespaces: [/etc]\n${r}`);
  p("namespaces a directory", `namespaces: [${dir}/adir]\n${r}`);
  p("pressure scaleAt 2", `pressure: { scaleAt: 2 }\n${r}`);
  p("pressure saturateAt below scaleAt", `pressure: { scaleAt: 0.9, saturateAt: 0.5 }\n${r}`);
  p("limits.maxActionsPerScan -1", `limits: { maxActionsPerScan: -1 }\n${r}`);
  p("protect.ports 70000", `protect: { ports: [70000] }\n${r}`);
  p(
    "alias bomb",
    `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n${r}`,
  );
  p("deep nesting", `x: ${"[".repeat(5000)}${"]".repeat(5000)}\n${r}`);
  p("top level is a list", "- a\n- b\n");
  p("top level is a scalar", "hello\n");
  p("duplicate keys", `interval: 5s\ninterval: 6s\n${r}`);
  p("interval as a list", `interval: [5s]\n${r}`);
  p("rules as a map", "rules: { name: a }\n");
  p("bad policy with run --once", `interval: 30d\n${r}`, true);
  p("audit dir with run --once", `audit: { file: ${dir}/adir }\n${r}`, true);
  p("namespaces ../../etc with run --once", `namespaces: ['../../etc']\n${r}`, true);
  cases.push({
    area: "policy",
    name: "policy is a link loop",
    args: ["run", "--check", "--config", `${dir}/loop-a`],
    names: /loop-a: ELOOP/,
    exit: 1,
  });
  for (const [name, path] of [
    ["policy is a FIFO", `${dir}/fifo`],
    ["policy is a directory", `${dir}/adir`],
    ["policy over the size cap", `${dir}/huge.yaml`],
    ["policy is binary garbage", `${dir}/garbage.yaml`],
  ] as const) {
    cases.push({
      area: "policy",
      name,
      args: ["run", "--check", "--config", path],
      names: new RegExp(esc(path)),
    });
  }
  return cases;
}

function profileCases(dir: string): Case[] {
  const cases: Case[] = [];
  const s = (key: string, value: string) =>
    `name: x\ndescription: y\nsettings:\n  ${key}:\n    value: ${value}\n    reason: r\n    source: s\n`;
  const pr = (name: string, text: string) => {
    const file = join(dir, `profile-${cases.length}.yaml`);
    cases.push({
      area: "profile",
      name,
      args: ["tune", "audit", "--profile", file],
      names: new RegExp(`${esc(file)}: (line \\d+|[\\w.]+:|not valid YAML: aliases)`),
      setup: () => writeFileSync(file, text),
    });
  };
  pr("syntax error", "name: [x\n");
  pr("missing name", "description: y\nsettings: {}\n");
  pr("unknown top-level key", `bogus: 1\n${s("net.ipv4.tcp_fin_timeout", "30")}`);
  pr("key not a sysctl", s("not a key", "1"));
  pr("key with path traversal", s("../../etc/passwd", "1"));
  pr("key with slashes", s("net/ipv4/tcp_fin_timeout", "1"));
  pr("value a float", s("net.ipv4.tcp_fin_timeout", "1.5"));
  pr("value empty", s("net.ipv4.tcp_fin_timeout", '""'));
  pr("value a map", s("net.ipv4.tcp_fin_timeout", "{ a: 1 }"));
  pr("value a list of three", s("net.ipv4.ip_local_port_range", "[1, 2, 3]"));
  pr("value with a newline", s("net.ipv4.tcp_fin_timeout", '"30\\nnet.ipv4.tcp_syncookies = 0"'));
  pr(
    "reason missing",
    "name: x\ndescription: y\nsettings:\n  net.ipv4.tcp_fin_timeout:\n    value: 30\n    source: s\n",
  );
  pr("settings a list", "name: x\ndescription: y\nsettings: [a, b]\n");
  pr(
    "alias bomb (names the file: no one line is at fault)",
    `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n${s("net.ipv4.tcp_fin_timeout", "30")}`,
  );
  pr("deep nesting", `name: ${"{a: ".repeat(3000)}1${"}".repeat(3000)}\n`);
  pr("top level is a list", "- a\n");
  for (const [name, path] of [
    ["profile is a FIFO", `${dir}/fifo`],
    ["profile is a directory", `${dir}/adir/`],
    ["profile over the size cap", `${dir}/huge.yaml`],
    ["profile is binary garbage", `${dir}/garbage.yaml`],
    ["profile missing", `${dir}/missing.yaml`],
  ] as const) {
    cases.push({
      area: "profile",
      name,
      args: ["tune", "audit", "--profile", path],
      names: new RegExp(esc(path.replace(/\/$/, ""))),
    });
  }
  cases.push({
    area: "profile",
    name: "apply --persist a directory (plan only)",
    args: ["tune", "apply", "--profile", "kernel-default", "--persist", `${dir}/adir`],
    names: /--persist|adir/,
  });
  return cases;
}

function lintCases(dir: string): Case[] {
  const cases: Case[] = [];
  // Content problems are lint findings: exit 1, each naming file:line.
  const l = (name: string, text: string) => {
    const file = join(dir, `lint-${cases.length}.conf`);
    cases.push({
      area: "lint",
      name,
      args: ["tune", "lint", file],
      names: new RegExp(`${esc(file)}:\\d+`),
      exit: 1,
      setup: () => writeFileSync(file, text),
    });
  };
  l("line without =", "net.ipv4.tcp_fin_timeout 30\n");
  l("value not a number", "net.ipv4.tcp_fin_timeout = abc\n");
  l("empty key", " = 30\n");
  l("path traversal key", "../../etc/passwd = 1\n");
  l("negative where unsigned", "net.ipv4.tcp_keepalive_time = -5\n");
  l("port range reversed", "net.ipv4.ip_local_port_range = 60000 1024\n");
  l("binary line", "\u0000\u0001\u0002 = \u0003\n");
  for (const [name, path] of [
    ["lint a FIFO", `${dir}/fifo`],
    ["lint over the size cap", `${dir}/huge.yaml`],
  ] as const) {
    cases.push({ area: "lint", name, args: ["tune", "lint", path], names: new RegExp(esc(path)) });
  }
  // A file that cannot be read exits 1 (an I/O failure, as the project's tests fix it), naming it.
  for (const [name, path] of [
    ["lint missing", `${dir}/missing.conf`],
    ["lint a link loop", `${dir}/loop-a`],
  ] as const) {
    cases.push({ area: "lint", name, args: ["tune", "lint", path], names: new RegExp(esc(path)), exit: 1 });
  }
  return cases;
}

export function corpus(dir: string, netns: string): Case[] {
  return [...flagCases(netns), ...policyCases(dir), ...profileCases(dir), ...lintCases(dir)];
}
