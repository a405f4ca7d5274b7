import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { ArtifactError, ArtifactStore, TemplateError } from "../../src/templates/index.js";

let sessionDir: string;
let store: ArtifactStore;

beforeEach(async () => {
  sessionDir = await mkdtemp(join(tmpdir(), "escapement-artifacts-"));
  store = new ArtifactStore(sessionDir);
});

const rejection = async <E>(call: () => unknown, type: new (...args: never[]) => E): Promise<E> => {
  let error: unknown;
  try {
    call();
  } catch (thrown) {
    error = thrown;
  }
  expect(error).toBeInstanceOf(type);
  return error as E;
};

describe("ArtifactStore", () => {
  it("writes under <sessionDir>/artifacts and returns a ref with the byte count", async () => {
    const ref = store.write("plan.md", "héllo");
    expect(ref).toEqual({ name: "plan.md", ref: "artifacts/plan.md", bytes: 6 });
    expect(await readFile(join(sessionDir, "artifacts", "plan.md"), "utf8")).toBe("héllo");
    expect(store.read("plan.md")).toBe("héllo");
    expect(store.has("plan.md")).toBe(true);
    expect(store.has("other")).toBe(false);
  });

  it("writes bytes and replaces existing content, leaving no temp files", async () => {
    store.write("data", "old");
    const ref = store.write("data", new Uint8Array([110, 101, 119]));
    expect(ref.bytes).toBe(3);
    expect(store.read("data")).toBe("new");
    expect(await readdir(store.dir)).toEqual(["data"]);
  });

  it("lists artifacts sorted, and none before any is written", async () => {
    expect(store.list()).toEqual([]);
    store.write("b-notes", "");
    store.write("a_spec.txt", "");
    expect(store.list()).toEqual(["a_spec.txt", "b-notes"]);
  });

  it.each([
    ["", "it is empty"],
    ["../escape", "path separator"],
    ["a\\b", "path separator"],
    ["..", '".."'],
    ["a..b", '".."'],
    [".", 'it is "."'],
    ["spaced name", "only letters, digits"],
    ["x".repeat(256), "longer than 255"],
  ])("rejects the name %j", async (name, reason) => {
    const error = await rejection(() => store.write(name, "x"), ArtifactError);
    expect(error.category).toBe("invalid-name");
    expect(error.message).toContain(`invalid artifact name ${JSON.stringify(name)}`);
    expect(error.message).toContain(reason);
    await rejection(() => store.read(name), ArtifactError);
    await rejection(() => store.has(name), ArtifactError);
  });

  it("reports a missing artifact with the available ones", async () => {
    store.write("spec", "s");
    const error = await rejection(() => store.read("plan"), ArtifactError);
    expect(error.category).toBe("not-found");
    expect(error.message).toContain('artifact "plan" not found');
    expect(error.message).toContain("available: spec");
  });

  describe("renderWithArtifacts", () => {
    it("resolves placeholders from artifacts, variables first", async () => {
      store.write("plan.md", "1. do it");
      store.write("GOAL", "from artifact");
      const text = store.renderWithArtifacts("Goal: {{GOAL}}\nPlan:\n{{ plan.md }}\n\\{{plan.md}}", {
        vars: { GOAL: "from vars" },
      });
      expect(text).toBe("Goal: from vars\nPlan:\n1. do it\n{{plan.md}}");
    });

    it("names every missing artifact and lists the available ones", async () => {
      store.write("spec", "s");
      store.write("notes", "n");
      const error = await rejection(() => store.renderWithArtifacts("{{spec}} {{plan.md}} {{review}} {{..}}", { source: "prompts/act.md" }), TemplateError);
      expect(error.category).toBe("missing-artifact");
      expect(error.missing).toEqual(["plan.md", "review", ".."]);
      expect(error.available).toEqual(["notes", "spec"]);
      expect(error.message).toBe("missing artifacts in prompts/act.md: {{plan.md}}, {{review}}, {{..}} (available: notes, spec)");
    });

    it("says when no artifacts exist yet", async () => {
      const error = await rejection(() => store.renderWithArtifacts("{{plan}}"), TemplateError);
      expect(error.message).toBe("missing artifacts in inline: {{plan}} (no artifacts stored yet)");
    });
  });
});
