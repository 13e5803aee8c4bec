// Writes docs/errors.md from the error codes in src/errors.ts (run after adding a code).
import { writeFileSync } from "node:fs";
import { ERROR_CODES } from "../src/errors.js";

const lines = [
  "# Error codes",
  "",
  "Every error idlereap throws is an `IdlereapError` with a stable `code`; match on the code, not the",
  "message. The CLI prints `idlereap: <message> [<code>]` and exits 2 for bad input (flags, values,",
  "config and policy files) and 1 for other failures.",
  "",
];
for (const [code, text] of Object.entries(ERROR_CODES)) lines.push(`## ${code}`, "", text, "");
writeFileSync(new URL("../docs/errors.md", import.meta.url), lines.join("\n"));
