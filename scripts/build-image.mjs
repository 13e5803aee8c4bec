// Builds the container image (`npm run build:image`) from the single executable, with podman (or
// buildah) and the Containerfile, without pulling anything: stages dist/image/rootfs/ with the
// executable, the shared libraries ldd lists for it and for koffi's native module, the profiles and
// the example policies. Options: --tag NAME (default ghcr.io/idlereap/idlereap:<version>).
import { execFileSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const OUT = "dist/image";
const ROOT = join(OUT, "rootfs");
const EXE = "dist/sea/idlereap";
const version = JSON.parse(readFileSync("package.json", "utf8")).version;
const tagAt = process.argv.indexOf("--tag");
const tag = tagAt > 0 ? process.argv[tagAt + 1] : `ghcr.io/idlereap/idlereap:${version}`;

try {
  accessSync(EXE, constants.X_OK);
} catch {
  throw new Error(`${EXE} is missing: run \`npm run build:sea\` first`);
}
const builder = ["podman", "buildah"].find((tool) => {
  try {
    execFileSync(tool, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
});
if (builder === undefined)
  throw new Error("build:image needs podman or buildah (Debian packages podman, buildah)");

/** The absolute paths ldd resolves for an ELF file, the dynamic loader included. */
function sharedLibraries(file) {
  const out = execFileSync("ldd", [file], { encoding: "utf8" });
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}

const require = createRequire(import.meta.url);
const native = join(
  dirname(require.resolve(`@koromix/koffi-linux-${process.arch}/package.json`)),
  `linux_${process.arch}`,
  "koffi.node",
);
const libraries = [...new Set([...sharedLibraries(EXE), ...sharedLibraries(native)])].sort();

rmSync(OUT, { recursive: true, force: true });
const put = (from, to, mode) => {
  mkdirSync(dirname(join(ROOT, to)), { recursive: true, mode: 0o755 });
  copyFileSync(from, join(ROOT, to)); // follows symlinks: the library's real file under its linked name
  chmodSync(join(ROOT, to), mode);
};
put(EXE, "/usr/local/bin/idlereap", 0o755);
for (const lib of libraries) put(lib, lib, 0o755);
for (const f of readdirSync("profiles")) put(join("profiles", f), `/usr/share/idlereap/profiles/${f}`, 0o644);
for (const f of readdirSync("deploy/policies"))
  put(join("deploy/policies", f), `/usr/share/idlereap/policies/${f}`, 0o644);
// Mount points a runtime fills, and a /tmp any user can write (a Kubernetes pod with a read-only root
// filesystem mounts an emptyDir there).
for (const d of ["proc", "sys", "dev", "run", "etc/idlereap", "var/log/idlereap"])
  mkdirSync(join(ROOT, d), { recursive: true, mode: 0o755 });
mkdirSync(join(ROOT, "tmp"));
chmodSync(join(ROOT, "tmp"), 0o1777);
writeFileSync(
  join(ROOT, "etc/passwd"),
  "root:x:0:0:root:/:/usr/local/bin/idlereap\nnobody:x:65534:65534:nobody:/:/usr/local/bin/idlereap\n",
);
writeFileSync(join(ROOT, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
copyFileSync("Containerfile", join(OUT, "Containerfile"));

const build = builder === "podman" ? ["build"] : ["bud"];
execFileSync(
  builder,
  [
    ...build,
    "--quiet",
    "--layers=false",
    "--build-arg",
    `VERSION=${version}`,
    "-f",
    join(OUT, "Containerfile"),
    "-t",
    tag,
    OUT,
  ],
  {
    stdio: ["ignore", "ignore", "inherit"],
  },
);
// The image's size is its one layer: the staged files.
const bytes = readdirSync(ROOT, { recursive: true })
  .map((f) => statSync(join(ROOT, f)))
  .filter((st) => st.isFile())
  .reduce((sum, st) => sum + st.size, 0);
process.stdout.write(
  `${tag}: ${libraries.length} libraries, ${(bytes / 1e6).toFixed(1)} MB, built with ${builder}\n`,
);
