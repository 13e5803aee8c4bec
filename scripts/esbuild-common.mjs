// esbuild options shared by the command-line bundles (bundle-cli.mjs) and the single executable
// (build-sea.mjs), so that both carry the same code.

// commander requires node:child_process when it loads, for subcommands that are separate
// executables, which idlereap has none of; loading it (with node:net and streams) took some 6 ms of
// every start. Commander gets it on first use instead.
export const lazyChildProcess = {
  name: "lazy-child-process",
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: "child_process", namespace: "lazy" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "lazy" }, () => ({
      contents:
        'let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require("node:child_process"))[k] });',
      loader: "js",
    }));
  },
};

export const common = {
  outdir: "dist/bundle",
  entryNames: "[name]",
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // koffi is a native addon: libc.ts requires it at run time from node_modules.
  // ink (with React) is an ES module with a top-level await, which a CommonJS bundle cannot hold:
  // `top` imports it at run time from node_modules too.
  external: ["koffi", "ink", "react", "ansi-escapes"],
  // The sources find files beside themselves through import.meta.url; import.meta.resolve serves only
  // runs from source (worker-boot.ts).
  define: { "import.meta.url": "__idlereapUrl", "import.meta.resolve": "undefined" },
  banner: { js: 'const __idlereapUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
  plugins: [lazyChildProcess],
};
