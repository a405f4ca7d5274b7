/**
 * Named artifacts of a session, stored as files under `<sessionDir>/artifacts/<name>`.
 */
import { randomUUID } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ArtifactError, artifactNamePattern, assertArtifactName, isArtifactName } from "./artifact-name.js";
import { fillPlaceholders, listPlaceholders, placeholderNames } from "./render-template.js";
import { TemplateError } from "./template-error.js";
import { SecretScrubber } from "../runtime/secret-scrubber.js";
import { leaveToDurable, type Durable } from "../runtime/durable.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** `content` without the scrubber's secrets: a string, or bytes that are UTF-8 text; other bytes as they are. */
function scrubbedContent(scrubber: SecretScrubber, content: string | Uint8Array): string | Uint8Array {
  if (!scrubber.active) return content;
  if (typeof content === "string") return scrubber.scrub(content);
  let text: string;
  try {
    text = strictUtf8.decode(content);
  } catch {
    return content;
  }
  return scrubber.finds(text) ? Buffer.from(scrubber.scrub(text), "utf8") : content;
}

export interface ArtifactRef {
  name: string;
  /** Path relative to the session directory, always with "/". */
  ref: string;
  bytes: number;
}

export interface RenderWithArtifactsOptions {
  /** Variables, resolved before artifacts of the same name. */
  vars?: Readonly<Record<string, string>>;
  /** File path of the template, or "inline". */
  source?: string;
}

const isNotFound = (error: unknown): boolean => (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";

/**
 * Where artifacts live when they are not files (a session store's artifacts). `write` replaces an
 * artifact whole and acknowledges it as a transcript sink does; `read` sees every write made so
 * far (acknowledged or not), and is undefined for an artifact never written.
 */
export interface ArtifactShelf {
  /** Where the artifacts are, for messages (a directory, or a store's name for them). */
  readonly where: string;
  write(name: string, bytes: Uint8Array): Durable;
  read(name: string): Uint8Array | undefined;
  /** Names of the stored artifacts, sorted. */
  list(): string[];
}

export class ArtifactStore {
  readonly dir: string;
  readonly #scrubber: SecretScrubber;
  readonly #shelf: ArtifactShelf | undefined;

  /**
   * In `<sessionDir>/artifacts`, or on a store's shelf. With `scrubber`, no artifact holds one of
   * its secrets: text content is written scrubbed.
   */
  constructor(target: string | ArtifactShelf, scrubber: SecretScrubber = SecretScrubber.none) {
    this.#shelf = typeof target === "string" ? undefined : target;
    this.dir = typeof target === "string" ? join(target, "artifacts") : target.where;
    this.#scrubber = scrubber;
  }

  /**
   * Writes atomically: readers see the old content or the new, never a part. Synchronous, because
   * chart actions (which capture artifacts) are synchronous.
   */
  write(name: string, content: string | Uint8Array): ArtifactRef {
    assertArtifactName(name);
    content = scrubbedContent(this.#scrubber, content);
    if (this.#shelf) {
      const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      leaveToDurable(this.#shelf.write(name, bytes));
      return { name, ref: `artifacts/${name}`, bytes: bytes.byteLength };
    }
    mkdirSync(this.dir, { recursive: true });
    // "~" is outside the artifact name alphabet, so a temp file never shadows or lists as an artifact.
    const temp = join(this.dir, `~${randomUUID()}.tmp`);
    const fd = openSync(temp, "wx");
    try {
      const buffer = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      let written = 0;
      while (written < buffer.byteLength) written += writeSync(fd, buffer, written);
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw error;
    }
    closeSync(fd);
    renameSync(temp, join(this.dir, name));
    const bytes = typeof content === "string" ? Buffer.byteLength(content) : content.byteLength;
    return { name, ref: `artifacts/${name}`, bytes };
  }

  read(name: string): string {
    assertArtifactName(name);
    if (this.#shelf) {
      const bytes = this.#shelf.read(name);
      if (bytes !== undefined) return Buffer.from(bytes).toString("utf8");
      throw new ArtifactError("not-found", name, `artifact ${JSON.stringify(name)} not found in ${this.dir} (${describeAvailable(this.list())})`);
    }
    try {
      return readFileSync(join(this.dir, name), "utf8");
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const available = this.list();
      throw new ArtifactError("not-found", name, `artifact ${JSON.stringify(name)} not found in ${this.dir} (${describeAvailable(available)})`, {
        cause: error,
      });
    }
  }

  has(name: string): boolean {
    assertArtifactName(name);
    if (this.#shelf) return this.#shelf.read(name) !== undefined;
    try {
      return statSync(join(this.dir, name)).isFile();
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Names of the stored artifacts, sorted. */
  list(): string[] {
    if (this.#shelf) return this.#shelf.list();
    try {
      const entries = readdirSync(this.dir, { withFileTypes: true });
      return entries
        .filter((entry) => entry.isFile() && isArtifactName(entry.name))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  /**
   * Renders `{{name}}` placeholders (artifact names may contain '.' and '-') from `vars` and then
   * from artifacts; throws `TemplateError` naming every missing one and the artifacts available.
   */
  renderWithArtifacts(text: string, options: RenderWithArtifactsOptions = {}): string {
    const vars = options.vars ?? {};
    const source = options.source ?? "inline";
    const values = new Map<string, string>(Object.entries(vars));
    const names = placeholderNames(text, artifactNamePattern).filter((name) => !values.has(name) && isArtifactName(name));
    const contents = names.map((name) => [name, this.readIfPresent(name)] as const);
    for (const [name, content] of contents) if (content !== undefined) values.set(name, content);
    const result = fillPlaceholders(text, (name) => values.get(name), artifactNamePattern);
    if (result.missing.length === 0) return result.text;
    const available = this.list();
    throw new TemplateError("missing-artifact", `missing artifacts in ${source}: ${listPlaceholders(result.missing)} (${describeAvailable(available)})`, {
      source,
      missing: result.missing,
      available,
    });
  }

  private readIfPresent(name: string): string | undefined {
    if (this.#shelf) {
      const bytes = this.#shelf.read(name);
      return bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");
    }
    try {
      return readFileSync(join(this.dir, name), "utf8");
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

const describeAvailable = (available: readonly string[]): string => (available.length === 0 ? "no artifacts stored yet" : `available: ${available.join(", ")}`);
