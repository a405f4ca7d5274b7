/**
 * The package's public surface, pinned. `@escapement/core` (src/index.ts) and
 * `@escapement/core/unstable` (src/unstable.ts) and `@escapement/core/testing` (src/testing.ts)
 * export explicit lists of names; each list is held
 * here as a sorted snapshot (a type-only export as `type Name`), so a name added or removed is a
 * visible diff of this file. The docs are held to the same surface: every import in a code block of
 * docs/*.md comes from a public entry (or xstate, zod, a node builtin) and compiles.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");
const entries = { root: join(repo, "core/src/index.ts"), unstable: join(repo, "core/src/unstable.ts"), testing: join(repo, "core/src/testing.ts") };

interface Exported {
  name: string;
  typeOnly: boolean;
}

/** The names an entry file exports, read from its syntax: an entry is explicit re-exports only. */
function exportsOf(file: string): Exported[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const names: Exported[] = [];
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement)) throw new Error(`${file}: only re-exports belong in an entry, found: ${statement.getText().slice(0, 80)}`);
    if (!statement.exportClause || !ts.isNamedExports(statement.exportClause))
      throw new Error(`${file}: \`export *\` hides what is exported; name each export`);
    for (const element of statement.exportClause.elements) names.push({ name: element.name.text, typeOnly: statement.isTypeOnly || element.isTypeOnly });
  }
  return names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const listed = (names: Exported[]): string[] => names.map(({ name, typeOnly }) => (typeOnly ? `type ${name}` : name));
const valueNames = (names: Exported[]): string[] => names.filter((name) => !name.typeOnly).map((name) => name.name);

const root = exportsOf(entries.root);
const unstable = exportsOf(entries.unstable);
const testing = exportsOf(entries.testing);

describe("@escapement/core", () => {
  it("exports exactly these names", () => {
    expect(listed(root)).toMatchInlineSnapshot(`
      [
        "AG_UI_ANSWER_REFUSED",
        "AG_UI_HUMAN_ANSWER",
        "AG_UI_HUMAN_PROMPT",
        "type AgUiChartState",
        "type AgUiMapperOptions",
        "type AgUiServer",
        "type AgUiServerOptions",
        "type AllowedEvent",
        "type AllowedEvents",
        "AnswerError",
        "type AnswerPromptOptions",
        "type AnsweredPrompt",
        "type ArbitraryView",
        "type AskOptions",
        "type BuiltinToolOptions",
        "type ByStateScript",
        "type CallOptions",
        "type CassetteCall",
        "type CassetteHeader",
        "CassetteMissError",
        "CassetteModel",
        "type CassetteModelOptions",
        "CassetteWriter",
        "type Catalog",
        "type ChartAction",
        "type ChartDefinition",
        "type ChartProperty",
        "type ChartSimulation",
        "type ChartView",
        "type ChildError",
        "type ChildStatus",
        "type ChildTarget",
        "type Clock",
        "type CompactionParam",
        "type CompactionSettings",
        "ConfigError",
        "type ConfigIssue",
        "type ContentBlock",
        "type ConversationEnd",
        "type ConversationParams",
        "type ConversationStart",
        "type CredentialDescriptor",
        "type Credentials",
        "type DefinedEvent",
        "type DefinedEvents",
        "type DiskStoreOptions",
        "DuplicateToolError",
        "type ElectOptions",
        "type Election",
        "type ElectionTry",
        "type Eligibility",
        "type EndTurnEvent",
        "type ErrorStep",
        "type EventOf",
        "type EventsOf",
        "type FilterTargetsOptions",
        "type FleetChildResult",
        "type FsGlobOptions",
        "type FsGrepOptions",
        "type GenerationParams",
        "type HumanCancelledEvent",
        "type HumanInputParams",
        "type HumanRenderer",
        "type IdSource",
        "type ImageSource",
        "type InboxEntry",
        "InboxHuman",
        "type InboxHumanOptions",
        "type InboxMessage",
        "type LanguageModelSource",
        "type LlmAttempt",
        "LlmError",
        "type LlmErrorCategory",
        "type LlmErrorEvent",
        "type LoadProjectConfigOptions",
        "type LoadedCassette",
        "type LoadedProjectConfig",
        "type LogLevel",
        "type Logger",
        "type MapPromptOptions",
        "type MapResult",
        "type MappedRow",
        "type MemoryStoreOptions",
        "type ModelClient",
        "type ModelDelta",
        "type ModelFacts",
        "type ModelMessage",
        "type ModelMiddleware",
        "type ModelMiddlewareEntry",
        "type ModelRequest",
        "type ModelResponse",
        "type ModelRouter",
        "type ModelRouterOptions",
        "type ModelTarget",
        "type Needs",
        "type NeedsGate",
        "type OptionIssue",
        "type Param",
        "type ParamArgs",
        "type ParkedOn",
        "ParkingLot",
        "type ParkingLotOptions",
        "type PathAccess",
        "type PayloadArbitrary",
        "type PendingStep",
        "type PermissionDecision",
        "type PermissionRules",
        "PermissionRulesError",
        "type PermissionTarget",
        "type Permit",
        "type PermitFn",
        "type PoolJob",
        "type PostgresStoreOptions",
        "type PreferredOptions",
        "type ProjectConfig",
        "type ProjectConfigInput",
        "type Prompt",
        "type PromptAnswer",
        "type PromptCaching",
        "type PromptRequest",
        "type ProviderSpec",
        "type PublicEvent",
        "type PublicEventOf",
        "type PublicEventState",
        "type PublicEventType",
        "type QueueWorker",
        "type ReadIssue",
        "type ReadTranscriptOptions",
        "type RecordReplayOptions",
        "type Rejection",
        "type ReplyStep",
        "type RequestExpectation",
        "type RequestMatcher",
        "type RequestOrigin",
        "type RequestPredicate",
        "type ResiliencePolicy",
        "ResiliencePolicyError",
        "type ResolvedProvider",
        "type ResultEnvelope",
        "type ResultError",
        "type ResultStatus",
        "type RunHandle",
        "type RunOptions",
        "RunOptionsError",
        "type RunOutcome",
        "type RunStatus",
        "type SandboxMode",
        "type SandboxSettingsInput",
        "type Script",
        "type ScriptDelta",
        "type ScriptError",
        "type ScriptEventCall",
        "type ScriptIssue",
        "ScriptParseError",
        "type ScriptToolCall",
        "ScriptedHuman",
        "ScriptedModel",
        "type ScriptedModelOptions",
        "Secret",
        "SessionError",
        "type SessionErrorCode",
        "type SessionFile",
        "type SessionInbox",
        "SessionPool",
        "type SessionPoolOptions",
        "type SessionStore",
        "type SessionWriter",
        "type ShellRunOptions",
        "type ShellSandbox",
        "type SpawnChildrenParams",
        "type StartWorkerOptions",
        "type StaticStep",
        "StdinHuman",
        "type SteerRefusal",
        "type SteerResult",
        "type Step",
        "type StepFinish",
        "type StepFunction",
        "type StepHooks",
        "type StepInfo",
        "type StepList",
        "type StepStart",
        "type StopReason",
        "type SubmitRunOptions",
        "type SubmittedRun",
        "type TargetClient",
        "type TargetClientOptions",
        "type TargetFacts",
        "TemplateError",
        "type TemplateErrorCategory",
        "type Tool",
        "type ToolContext",
        "type ToolDispatchSettings",
        "type ToolLoopEvent",
        "ToolRegistry",
        "type ToolResult",
        "type ToolSpec",
        "type TranscriptRow",
        "UnknownToolError",
        "type Usage",
        "type ValidateOptionsResult",
        "type WebFetchOptions",
        "answerPrompt",
        "ask",
        "askHuman",
        "builtinTools",
        "captureArtifact",
        "catalogFromConfig",
        "classifyError",
        "compact",
        "converse",
        "costUsd",
        "createAgUiMapper",
        "createBuiltinTools",
        "createDefaultRegistry",
        "createLogger",
        "createModelRouter",
        "createPublicEventMapper",
        "createTargetClient",
        "defaultCompaction",
        "defaultCompactionPrompt",
        "defineChart",
        "defineEvents",
        "defineTool",
        "diskStore",
        "electModel",
        "exportStoredSession",
        "filterTargets",
        "fromArtifacts",
        "importIntoStore",
        "initialPublicEventState",
        "inlineActors",
        "isConfigError",
        "isLlmError",
        "isRunOptionsError",
        "isSecret",
        "knownProviderNames",
        "languageModelTargetClient",
        "loadCassette",
        "loadProjectConfig",
        "loadPromptTemplate",
        "lookupModel",
        "mapPrompt",
        "mapTranscriptRow",
        "memoryInbox",
        "memoryStore",
        "parseProjectConfig",
        "parseScript",
        "permissionDecisions",
        "permitOf",
        "postgresStore",
        "preferredAliases",
        "publicEventTypes",
        "publicEventsOf",
        "readBlob",
        "readScriptFile",
        "readTranscript",
        "recordReplay",
        "recordingModel",
        "resiliencePolicySchema",
        "resolveAlias",
        "run",
        "sandboxModes",
        "scriptedModel",
        "sequentialIds",
        "serveAgUi",
        "spawnChildren",
        "startAgUiServer",
        "startWorker",
        "submitRun",
        "systemClock",
        "tellChild",
        "tellLlm",
        "updateProgress",
        "validateOptions",
      ]
    `);
  });

  it("exports at run time exactly its value names", async () => {
    const module = await import("../src/index.js");
    expect(Object.keys(module).sort()).toEqual(valueNames(root));
  });
});

describe("@escapement/core/unstable", () => {
  it("exports exactly these names", () => {
    expect(listed(unstable)).toMatchInlineSnapshot(`
      [
        "type ChartHandle",
        "type ConnectMcpOptions",
        "DebugGate",
        "type DebugGateOptions",
        "type DebugGateState",
        "type McpConnection",
        "type McpFailure",
        "type McpFailureCategory",
        "type McpRunTools",
        "type McpServerStatus",
        "type McpTransportKind",
        "type RowTap",
        "type RunChartOptions",
        "type RunGate",
        "type RunResult",
        "type RunStartInfo",
        "type Timing",
        "type TranscriptToWireOptions",
        "TranscriptWriter",
        "WireHub",
        "type WireHubOptions",
        "WireHuman",
        "type WireInfo",
        "type WireLine",
        "WireServer",
        "type WireServerOptions",
        "connectRunTools",
        "emitWire",
        "removeWireInfo",
        "runChart",
        "startChart",
        "transcriptToWire",
        "writeWireInfo",
      ]
    `);
  });

  it("exports at run time exactly its value names", async () => {
    const module = await import("../src/unstable.js");
    expect(Object.keys(module).sort()).toEqual(valueNames(unstable));
  });

  it("shares no name with the root entry", () => {
    const rootNames = new Set(root.map((name) => name.name));
    expect(unstable.map((name) => name.name).filter((name) => rootNames.has(name))).toEqual([]);
  });
});

describe("@escapement/core/testing", () => {
  it("exports exactly these names", () => {
    expect(listed(testing)).toMatchInlineSnapshot(`
      [
        "ChartCheckError",
        "type ChartGraph",
        "type CheckChartOptions",
        "type ChildCoverage",
        "type ExploreFailure",
        "type ExploreOptions",
        "type ExploreReport",
        "type FailureKind",
        "type SimEvent",
        "type SimFailure",
        "type SimRunOptions",
        "type SimRunResult",
        "type SimSetup",
        "UngenerableEventError",
        "UngenerableSchemaError",
        "chartGraph",
        "checkChart",
        "exploreChart",
        "fc",
        "formatEvent",
        "formatReport",
        "simRun",
        "simSetup",
        "zodArbitrary",
      ]
    `);
  });

  it("exports at run time exactly its value names", async () => {
    const module = await import("../src/testing.js");
    expect(Object.keys(module).sort()).toEqual(valueNames(testing));
  });

  it("shares no name with the root entry", () => {
    const rootNames = new Set(root.map((name) => name.name));
    expect(testing.map((name) => name.name).filter((name) => rootNames.has(name))).toEqual([]);
  });
});

// ---- the docs ---------------------------------------------------------------------------------

// The integrations page shows the AI SDK and vitest as an application uses them beside the core.
const allowedSpecifiers = [
  "@escapement/core",
  "@escapement/core/unstable",
  "@escapement/core/testing",
  "@escapement/wire-schema",
  "@escapement/wire-schema/runtime",
  "xstate",
  "zod",
  "ai",
  "@ai-sdk/anthropic",
  "vitest",
];
const isAllowed = (specifier: string): boolean => allowedSpecifiers.includes(specifier) || specifier.startsWith("node:");
// What a host brings beside the core for an integration (docs/integrations.md): not compiled here
// (the repository installs the OpenTelemetry SDK for the core only); tests/install runs those examples.
const hostPackages = ["@opentelemetry/api", "@opentelemetry/sdk-trace"];

interface DocImport {
  /** `docs/<page>.md:<line>`, the line of the import. */
  where: string;
  specifier: string;
  /** The import declaration's text. */
  text: string;
}

/** Every import declaration in a TypeScript or JavaScript code block of docs/*.md. */
function docImports(): DocImport[] {
  const imports: DocImport[] = [];
  const docs = join(repo, "docs");
  for (const page of readdirSync(docs)
    .filter((name) => name.endsWith(".md"))
    .sort()) {
    const lines = readFileSync(join(docs, page), "utf8").split("\n");
    let block: { start: number; lines: string[] } | undefined;
    let fenced = false;
    lines.forEach((line, index) => {
      const fence = /^\s*```(\w*)/.exec(line);
      if (fence && !fenced) {
        fenced = true;
        block = ["ts", "typescript", "js", "javascript", "mts", "mjs", "tsx"].includes(fence[1]!) ? { start: index + 2, lines: [] } : undefined;
        return;
      }
      if (fence && fenced) {
        fenced = false;
        if (block) imports.push(...importsIn(`docs/${page}`, block.start, block.lines.join("\n")));
        block = undefined;
        return;
      }
      block?.lines.push(line);
    });
  }
  return imports;
}

function importsIn(page: string, firstLine: number, code: string): DocImport[] {
  const source = ts.createSourceFile("block.mts", code, ts.ScriptTarget.Latest, true);
  const found: DocImport[] = [];
  const visit = (node: ts.Node): void => {
    const specifier =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
        ? node.moduleSpecifier.text
        : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])
          ? node.arguments[0].text
          : undefined;
    if (specifier !== undefined) {
      const line = firstLine + source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      found.push({ where: `${page}:${line}`, specifier, text: node.getText(source) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * Compiles the import lines as modules of a project outside the package would (virtual files next
 * to the docs, resolving `@escapement/core` through node_modules and the package's exports) and
 * returns the problems, by where the import is.
 */
function compileImports(imports: DocImport[]): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ["escapement-source"],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
    allowImportingTsExtensions: true,
  };
  const files = new Map(imports.map((entry, index) => [join(repo, "docs", `doc-import-${index}.mts`), entry]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => (files.has(name) ? files.get(name)!.text : readFile.call(host, name));
  host.getSourceFile = (name, language, ...rest) =>
    files.has(name) ? ts.createSourceFile(name, files.get(name)!.text, language) : getSourceFile.call(host, name, language, ...rest);
  const program = ts.createProgram([...files.keys()], options, host);
  const problems: string[] = [];
  for (const [name, entry] of files) {
    for (const diagnostic of [
      ...program.getSyntacticDiagnostics(program.getSourceFile(name)),
      ...program.getSemanticDiagnostics(program.getSourceFile(name)),
    ]) {
      problems.push(`${entry.where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`);
    }
  }
  return problems;
}

describe("docs/*.md code blocks", () => {
  const imports = docImports();

  it("import only from the public entries, xstate, zod, node builtins and the packages of an integration", () => {
    expect(imports.length).toBeGreaterThan(0);
    expect(
      imports.filter((entry) => !isAllowed(entry.specifier) && !hostPackages.includes(entry.specifier)).map((entry) => `${entry.where}: ${entry.specifier}`),
    ).toEqual([]);
  });

  it("import only names those entries export", { timeout: 60_000 }, () => {
    expect(compileImports(imports.filter((entry) => isAllowed(entry.specifier)))).toEqual([]);
  });
});
