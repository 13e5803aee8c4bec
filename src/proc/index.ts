// The /proc and /sys side of idlereap: socket owners, cgroups, descriptor limits, namespaces, sysctls.
export * from "./capabilities.js";
export * from "./cgroups.js";
export * from "./fd-count.js";
export * from "./fd-walk.js";
export * from "./held-descriptor.js";
export * from "./limits.js";
export * from "./netns-inventory.js";
export * from "./owner-index.js";
export * from "./owner-walk-pool.js";
export * from "./parse.js";
export * from "./pids.js";
export * from "./socket-owners.js";
export * from "./sockstat.js";
export * from "./sysctl.js";
