// What a cgroup v2 path says about its owner: the systemd unit, the container and the Kubernetes pod.
// Pure: works on paths such as /system.slice/docker-<id>.scope or kubepods/burstable/pod<uid>/<id>.

export interface CgroupDescription {
  /** The deepest systemd service or scope, e.g. "nginx.service". */
  readonly unit?: string;
  /** The deepest systemd slice, e.g. "system.slice". */
  readonly slice?: string;
  /** Container id (64 hex digits for docker, containerd, cri-o and podman). */
  readonly container?: string;
  readonly runtime?: "docker" | "containerd" | "cri-o" | "podman";
  /** Kubernetes pod uid, with dashes. */
  readonly pod?: string;
}

type Runtime = NonNullable<CgroupDescription["runtime"]>;
type Mutable = { -readonly [K in keyof CgroupDescription]: CgroupDescription[K] };

const SCOPE_RUNTIMES: readonly [RegExp, Runtime][] = [
  [/^docker-([0-9a-f]{12,64})\.scope$/, "docker"],
  [/^cri-containerd-([0-9a-f]{12,64})\.scope$/, "containerd"],
  [/^crio-(?:conmon-)?([0-9a-f]{12,64})\.scope$/, "cri-o"],
  [/^libpod-(?:conmon-)?([0-9a-f]{12,64})\.scope$/, "podman"],
];
const BARE_ID = /^[0-9a-f]{64}$/;
const SYSTEMD_POD = /-pod([0-9a-f_]{36})\.slice$/;
const CGROUPFS_POD = /^pod([0-9a-f-]{36})$/;

export function describeCgroup(path: string): CgroupDescription {
  const out: Mutable = {};
  const parts = path.split("/").filter((p) => p.length > 0);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    describePart(part, parts[i - 1], out);
  }
  return out;
}

function describePart(part: string, parent: string | undefined, out: Mutable): void {
  if (part.endsWith(".service") || part.endsWith(".scope")) out.unit = part;
  if (part.endsWith(".slice")) out.slice = part;
  const pod = SYSTEMD_POD.exec(part)?.[1]?.replaceAll("_", "-") ?? CGROUPFS_POD.exec(part)?.[1];
  if (pod !== undefined) out.pod = pod;
  const container = containerOf(part, parent);
  if (container !== undefined) {
    out.container = container.id;
    if (container.runtime !== undefined) out.runtime = container.runtime;
  }
}

function containerOf(
  part: string,
  parent: string | undefined,
): { id: string; runtime?: Runtime } | undefined {
  for (const [re, runtime] of SCOPE_RUNTIMES) {
    const id = re.exec(part)?.[1];
    if (id !== undefined) return { id, runtime };
  }
  // cgroupfs driver: /docker/<id>, /kubepods/<qos>/pod<uid>/<id>, /system.slice/containerd.service/...
  if (!BARE_ID.test(part)) return undefined;
  return parent === "docker" ? { id: part, runtime: "docker" } : { id: part };
}
