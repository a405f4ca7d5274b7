import { readFileSync } from "node:fs";

/**
 * The installed package's version, from its package.json (the only place it is written):
 * `../../package.json` from both `src/cli/` and `dist/cli/`.
 */
export const version: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
