// Runs first in the single executable, before any idlereap code (build-sea.mjs puts it at the top of
// the bundle): unpacks the files the code finds beside itself (package.json, profiles/, the owner-walk
// worker) and koffi's native module into a private directory, loads the native module, and gives the
// bundle that directory as its own location. The directory goes when the process exits; one left by
// a process a signal killed goes at the next start.
var __idlereapUrl = (() => {
  const { getAsset } = require("node:sea");
  const {
    existsSync,
    lstatSync,
    mkdtempSync,
    mkdirSync,
    readdirSync,
    readlinkSync,
    rmSync,
    writeFileSync,
  } = require("node:fs");
  const { dirname, join } = require("node:path");
  const { tmpdir } = require("node:os");
  const { pathToFileURL } = require("node:url");
  const files = JSON.parse(getAsset("manifest.json", "utf8"));
  // The native module must be mapped executable, which a noexec /tmp refuses: try the next place.
  const bases = [
    process.env.IDLEREAP_UNPACK_DIR,
    process.env.RUNTIME_DIRECTORY,
    tmpdir(),
    "/dev/shm",
    "/var/tmp",
  ];
  const failures = [];
  const pidns = (() => {
    try {
      return /\d+/.exec(readlinkSync("/proc/self/ns/pid"))?.[0] ?? "0";
    } catch {
      return "0";
    }
  })();
  const tag = `${pidns}-${process.pid}`;
  for (const base of bases) {
    if (!base) continue;
    let dir;
    try {
      // Mode 0700: no other user reads it. The pid (and its pid namespace) in the name tell a later
      // start whether it is stale.
      dir = mkdtempSync(join(base.split(":")[0], `idlereap-${tag}-`));
      for (const file of files) {
        mkdirSync(dirname(join(dir, file)), { recursive: true, mode: 0o700 });
        writeFileSync(join(dir, file), new Uint8Array(getAsset(file)), { mode: 0o600, flag: "wx" });
      }
      const native = { exports: {} };
      process.dlopen(native, join(dir, "koffi.node"));
      globalThis[Symbol.for("idlereap.koffi")] = native.exports;
      const unpacked = dir;
      process.on("exit", () => rmSync(unpacked, { recursive: true, force: true }));
      removeStale(base.split(":")[0]);
      return pathToFileURL(join(dir, "dist", "bundle", "idlereap.cjs")).href;
    } catch (err) {
      failures.push(`${base}: ${err.message}`);
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stderr.write(
    `idlereap: cannot unpack its native module (set IDLEREAP_UNPACK_DIR to a writable directory without noexec):\n  ${failures.join("\n  ")}\n`,
  );
  process.exit(1);

  /** Removes this user's directories whose process is gone (killed by a signal, so no "exit"). */
  function removeStale(base) {
    try {
      for (const name of readdirSync(base)) {
        const [, ns, pid] = /^idlereap-(\d+)-(\d+)-\w{6}$/.exec(name) ?? [];
        if (ns !== pidns || pid === undefined || pid === String(process.pid) || existsSync(`/proc/${pid}`))
          continue;
        const path = join(base, name);
        const st = lstatSync(path);
        if (st.isDirectory() && st.uid === process.getuid()) rmSync(path, { recursive: true, force: true });
      }
    } catch {}
  }
})();
