/**
 * Artifact names are plain file names inside the session's artifacts folder, so they can never
 * address anything outside it.
 */

/** Regex source of a well-formed artifact name (further restricted by `artifactNameProblem`). */
export const artifactNamePattern = "[A-Za-z0-9._-]+";

const wellFormed = new RegExp(`^${artifactNamePattern}$`);
const maxLength = 255;

export class ArtifactError extends Error {
  override readonly name = "ArtifactError";
  readonly category: "invalid-name" | "not-found";
  readonly artifact: string;

  constructor(category: ArtifactError["category"], artifact: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.category = category;
    this.artifact = artifact;
  }
}

/** Why `name` is not a valid artifact name, or undefined when it is. */
export const artifactNameProblem = (name: string): string | undefined => {
  if (name === "") return "it is empty";
  if (/[/\\]/.test(name)) return "it contains a path separator";
  if (name.includes("..")) return 'it contains ".."';
  if (name === ".") return 'it is "."';
  if (!wellFormed.test(name)) return "it may contain only letters, digits, '.', '_' and '-'";
  if (name.length > maxLength) return `it is longer than ${maxLength} characters`;
  return undefined;
};

export const isArtifactName = (name: string): boolean => artifactNameProblem(name) === undefined;

export const assertArtifactName = (name: string): void => {
  const problem = artifactNameProblem(name);
  if (problem !== undefined) {
    throw new ArtifactError("invalid-name", name, `invalid artifact name ${JSON.stringify(name)}: ${problem}`);
  }
};
