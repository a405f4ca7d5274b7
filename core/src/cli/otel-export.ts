/**
 * `run --otel`: a tracer provider that sends the run's spans over OTLP/HTTP, set up from the
 * standard `OTEL_*` variables (endpoint, headers, timeout: read by the exporter itself; the protocol
 * and the service's resource here). The OpenTelemetry SDK packages are optional dependencies of
 * the core and loaded only for `--otel`: the library itself needs only `@opentelemetry/api`.
 */
import { diag, DiagLogLevel, type TracerProvider } from "@opentelemetry/api";
import { UsageError } from "../runtime/usage-error.js";

/** A provider exporting spans, and how to send what it still holds before the process exits. */
export interface OtelExport {
  tracerProvider: TracerProvider;
  /** The protocol spans go out in. */
  protocol: OtlpProtocol;
  /** Exports the spans not yet sent and stops the provider. */
  shutdown(): Promise<void>;
}

export type OtlpProtocol = "http/protobuf" | "http/json";

/** The packages `--otel` loads, with the ranges the core is tested with (for the install hint). */
export const otelPackages = {
  sdk: "@opentelemetry/sdk-trace@^2.12.1",
  resources: "@opentelemetry/resources@^2.12.1",
  json: "@opentelemetry/exporter-trace-otlp-http@^0.223.1",
  protobuf: "@opentelemetry/exporter-trace-otlp-proto@^0.223.1",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The OTLP protocol the variables ask for (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, then
 * `OTEL_EXPORTER_OTLP_PROTOCOL`; default `http/protobuf`, as the specification says). gRPC is
 * refused: it needs another exporter.
 */
export function otlpProtocolOf(env: Env): OtlpProtocol {
  const name = env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const value = (env[name] ?? "").trim();
  if (value === "" || value === "http/protobuf") return "http/protobuf";
  if (value === "http/json") return "http/json";
  throw new UsageError(`--otel: ${name}=${value} is not supported; use http/protobuf or http/json (OTLP over HTTP)`);
}

/** Imports a package by name; tests load from elsewhere or fail on purpose. */
export type PackageImporter = (name: string) => Promise<unknown>;

const importPackage: PackageImporter = (name) => import(name);

/** Loads `spec`'s package, or says in one line that `--otel` needs it and how to install it. */
async function load<T>(spec: string, importer: PackageImporter): Promise<T> {
  const name = spec.slice(0, spec.lastIndexOf("@"));
  try {
    return (await importer(name)) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    throw new UsageError(`--otel needs the package ${name}, which is not installed (an optional dependency of @escapement/core): npm install ${spec}`);
  }
}

type SdkModule = typeof import("@opentelemetry/sdk-trace");
type ResourcesModule = typeof import("@opentelemetry/resources");
type ExporterModule = typeof import("@opentelemetry/exporter-trace-otlp-http") | typeof import("@opentelemetry/exporter-trace-otlp-proto");

/**
 * Sets up `--otel`: the exporter for the protocol the variables ask for, batching, and the
 * service's resource (`service.name` escapement unless `OTEL_SERVICE_NAME` or
 * `OTEL_RESOURCE_ATTRIBUTES` say otherwise). What the SDK reports (an export that failed) goes to `warn`.
 */
export async function startOtelExport(
  options: { env: Env; serviceVersion: string; warn: (message: string) => void },
  importer: PackageImporter = importPackage,
): Promise<OtelExport> {
  const protocol = otlpProtocolOf(options.env);
  const sdk = await load<SdkModule>(otelPackages.sdk, importer);
  const resources = await load<ResourcesModule>(otelPackages.resources, importer);
  const exporters = await load<ExporterModule>(protocol === "http/json" ? otelPackages.json : otelPackages.protobuf, importer);
  const report = (message: string, ...args: unknown[]) => options.warn(`otel: ${[message, ...args.map(describe)].join(" ")}`);
  diag.setLogger({ error: report, warn: report, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  const resource = resources
    .resourceFromAttributes({ "service.name": "escapement", "service.version": options.serviceVersion })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new sdk.TracerProvider({ resource, spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new exporters.OTLPTraceExporter() })] });
  return { tracerProvider: provider, protocol, shutdown: () => provider.shutdown() };
}

const describe = (value: unknown): string =>
  value instanceof Error ? value.message : typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
