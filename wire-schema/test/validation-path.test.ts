/**
 * What a replay loads to validate and sequence rows: bundled the way the CLI build bundles it
 * (npm packages external, unused modules dropped), it imports neither zod nor ajv, and none of
 * the zod definitions end up in it.
 */
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { packageDir } from "./paths.js";

const ZOD_MODULES = [
  "src/event-data.ts",
  "src/frames-inbound.ts",
  "src/frames-outbound.ts",
  "src/json-schema.ts",
  "src/primitives.ts",
  "src/public-events.ts",
  "src/transcript-row.ts",
];

const bundle = async (exports: string, from = "./src/index.ts") => {
  const result = await build({
    stdin: { contents: `export ${exports} from "${from}";`, resolveDir: packageDir, loader: "ts" },
    absWorkingDir: packageDir,
    bundle: true,
    format: "esm",
    platform: "node",
    packages: "external",
    outfile: "validation-path.mjs",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  return {
    imports: output.imports.map((entry) => entry.path),
    modules: Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  };
};

describe("the validation path", () => {
  it.each([
    "createFramesOnlySequencer, validateEventData, validateTranscriptRow",
    "createFrameSequencer, replayFrames, validateFrame, decodeInbound, decodeOutbound, isEventName",
  ])("%s: no zod, no ajv", async (exports) => {
    const { imports, modules } = await bundle(`{ ${exports} }`);
    expect(imports.filter((path) => /^(zod|ajv)(\/|-|$)/.test(path))).toEqual([]);
    expect(modules.filter((path) => ZOD_MODULES.includes(path))).toEqual([]);
    expect(modules).toContain("src/generated/validators.js");
  });

  it("the whole @escapement/wire-schema/runtime entry: no zod, no ajv, even when a bundle splits it across chunks", async () => {
    const { imports, modules } = await bundle("*", "./src/runtime.ts");
    expect(imports.filter((path) => /^(zod|ajv)(\/|-|$)/.test(path))).toEqual([]);
    expect(modules.filter((path) => ZOD_MODULES.includes(path))).toEqual([]);
  });

  it("the @escapement/wire-schema/frames entry: no validators, no sequencer, no npm package at all", async () => {
    const { imports, modules } = await bundle("*", "./src/frames.ts");
    expect(imports).toEqual([]);
    expect(modules).not.toContain("src/generated/validators.js");
    expect(modules).not.toContain("src/sequencer.ts");
    expect(modules).toContain("src/connection-frames.ts");
  });

  it("does load zod for the zod schemas (the check can fail)", async () => {
    const { imports } = await bundle("{ TranscriptRow }");
    expect(imports).toContain("zod");
  });
});
