// Runs first in the single executable, before any idlereap code (build-sea.mjs puts it at the top of
// the bundle): unpacks the files the code finds beside itself (package.json, profiles/, the owner-walk
// worker) and koffi's native module into a private directory, loads the native module, and gives the
// bundle that directory as its own location. The directory goes when the process exits.
var __idlereapUrl = (() => {
  const { getAsset } = require("node:sea");
  const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = require("node:fs");
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
  for (const base of bases) {
    if (!base) continue;
    let dir;
    try {
      dir = mkdtempSync(join(base.split(":")[0], "idlereap-")); // mode 0700: no other user reads it
      for (const file of files) {
        mkdirSync(dirname(join(dir, file)), { recursive: true, mode: 0o700 });
        writeFileSync(join(dir, file), new Uint8Array(getAsset(file)), { mode: 0o600, flag: "wx" });
      }
      const native = { exports: {} };
      process.dlopen(native, join(dir, "koffi.node"));
      globalThis[Symbol.for("idlereap.koffi")] = native.exports;
      const unpacked = dir;
      process.on("exit", () => rmSync(unpacked, { recursive: true, force: true }));
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
})();
