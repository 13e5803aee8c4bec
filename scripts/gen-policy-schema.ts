// Writes schema/policy.schema.json from the policy's zod definition (run after changing it:
// `npx tsx scripts/gen-policy-schema.ts`; a test fails while the file is out of date).
import { writeFileSync } from "node:fs";
import { policyJsonSchema } from "../src/policy/policy-schema.js";

const out = new URL("../schema/policy.schema.json", import.meta.url);
writeFileSync(out, `${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${out.pathname}\n`);
