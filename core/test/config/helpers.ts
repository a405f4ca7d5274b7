import { mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ReadTextFile } from "../../src/config/index.js";

/** An in-memory file system: absolute path -> text. Records every read. */
export const memFs = (files: Record<string, string>): { readFile: ReadTextFile; reads: string[] } => {
  const reads: string[] = [];
  return {
    reads,
    readFile: (path) => {
      reads.push(path);
      return Object.hasOwn(files, path) ? files[path] : undefined;
    },
  };
};

/** A temp directory with files (relative path -> text); removed by the returned cleanup. */
export const tempTree = (files: Record<string, string>): { root: string; cleanup: () => void } => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "esc-config-")));
  for (const [relative, text] of Object.entries(files)) {
    const path = join(root, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
};

export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export const target = (provider: string, model: string): { provider: string; model: string } => ({ provider, model });
