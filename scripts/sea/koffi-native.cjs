// Stands in for koffi's prebuilt package (@koromix/koffi-<platform>) in the single executable: the
// main thread gets the module boot.cjs loaded; a worker thread loads the same unpacked file, which
// sits two levels above the worker's bundle (<dir>/dist/bundle/owner-walk-worker.cjs).
const key = Symbol.for("idlereap.koffi");
if (globalThis[key] === undefined) {
  const native = { exports: {} };
  process.dlopen(native, require("node:path").join(__dirname, "..", "..", "koffi.node"));
  globalThis[key] = native.exports;
}
module.exports = globalThis[key];
