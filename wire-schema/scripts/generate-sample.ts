/** Writes scripts/sample.wire.jsonl (npm run sample -w @escapement/wire-schema). */
import { writeFileSync } from "node:fs";
import { samplePath, sampleWireJsonl } from "./sample-session.js";

const text = sampleWireJsonl();
writeFileSync(samplePath, text);
console.log(`wrote ${text.split("\n").length - 1} frames to ${samplePath}`);
