import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runnerThroughput, bareThroughput } from "./bench/runner/ping-pong.js";
const dir = mkdtempSync(join(tmpdir(), "pp-"));
for (let i = 0; i < 3; i++) { const b = await bareThroughput("tick", 50000); const r = await runnerThroughput("tick", 50000, join(dir, "s" + i)); console.log((b.eventsPerSec/r.eventsPerSec).toFixed(2), Math.round(b.eventsPerSec), Math.round(r.eventsPerSec)); }
