/**
 * The architecture, as rules `npm run lint:layers` checks (dependency-cruiser).
 *
 * - The packages: wire-schema imports neither core nor tui; tui and web (the renderers) never import
 *   core or each other (they speak the wire protocol only), and nothing imports web (the core
 *   serves its built files, it does not import them).
 * - core/src is layered, lowest first (`coreLayers`): a folder imports only folders before it,
 *   so nothing below cli imports cli, and the engine never imports the chart helpers built on it.
 * - No import cycle between files anywhere, type-only imports included.
 */

/** core/src folders, lowest first. The package's entry files (index.ts, unstable.ts) are above all. */
const coreLayers = [
  "runtime", // the leaf: clock, ids, logger, abortable waits, the session's files (transcript, io, checkpoints, directory)
  "permissions", // the permission policy: rules, patterns, what a tool call may touch (pure)
  "llm", // the model protocol, providers, router, catalog, cassettes, scripted models
  "config", // .escapement.json: aliases, credentials, catalog overlay, MCP servers
  "templates", // prompt files and artifacts
  "store", // session stores: disk (the session directory), memory; the interface a run writes through
  "tools", // real tools and their registry, MCP clients
  "debug", // the debugger gate, interruptible models
  "human", // human renderers and prompts
  "engine", // the runner: a chart's run, its services, its lifecycle
  "chart", // chart helpers: conversations, human input, actions, event tools
  "fleet", // child sessions
  "wire", // the wire server and hub
  "replay", // transcript -> wire, playback
  "sessions", // listing, summaries, bundles
  "lib", // the run() facade and public events
  "sim", // the simulator: simulated model and human, exploration, shrinking
  "loader", // loading a chart module (peer checks, TypeScript, module format) and choosing its model
  "pool", // sessions on worker threads
  "cli", // the escapement command
];

const layerRules = coreLayers.flatMap((layer, index) => {
  const above = coreLayers.slice(index + 1);
  return above.length === 0
    ? []
    : [
        {
          name: `layer-${layer}`,
          comment: `core/src/${layer} imports only the layers below it (${coreLayers.slice(0, index).join(", ") || "none"})`,
          severity: "error",
          from: { path: `^core/src/${layer}/` },
          to: { path: `^core/src/(${above.join("|")})/` },
        },
      ];
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "no import cycle between files (type-only imports included)",
      severity: "error",
      from: { path: "^(core|tui|web|wire-schema)/src/" },
      to: { circular: true },
    },
    {
      name: "core-layers-known",
      comment: "every core/src folder has its place in .dependency-cruiser.cjs coreLayers",
      severity: "error",
      from: { path: "^core/src/", pathNot: `^core/src/(${coreLayers.join("|")})/|^core/src/[^/]+$` },
      to: {},
    },
    ...layerRules,
    {
      name: "wire-schema-stands-alone",
      comment: "the wire protocol package imports neither the core nor the terminal UI",
      severity: "error",
      from: { path: "^wire-schema/src/" },
      to: { path: "^(core|tui|web)/|node_modules/@escapement/(core|tui|web)/" },
    },
    {
      name: "tui-speaks-only-the-wire",
      comment: "the terminal UI is a renderer of the wire protocol: it never imports the core",
      severity: "error",
      from: { path: "^tui/src/" },
      to: { path: "^core/|node_modules/@escapement/core/" },
    },
    {
      name: "web-speaks-only-the-wire",
      comment: "the browser renderer imports only the wire protocol package of ours: never the core or the terminal UI",
      severity: "error",
      from: { path: "^web/src/" },
      to: { path: "^(core|tui)/|node_modules/@escapement/(core|tui)/" },
    },
    {
      name: "nothing-imports-web",
      comment: "the browser renderer is a page the core serves as files: no package imports it",
      severity: "error",
      from: { path: "^(core|tui|wire-schema)/src/" },
      to: { path: "^web/|node_modules/@escapement/web/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|node_modules)/" },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    tsConfig: { fileName: "tsconfig.depcruise.json" },
    // Package names resolve through package.json "exports" (dependency-cruiser reads no exports
    // field unless told), so `import ... from "@escapement/core"` lands on core/src like a path would.
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["escapement-source", "import", "types", "default"],
      extensions: [".ts", ".tsx", ".js", ".mjs"],
    },
  },
};
