/** `--otel` set-up: a missing optional SDK package is one line saying what to install; the protocol comes from the standard variables. */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { otlpProtocolOf, startOtelExport } from "../../src/cli/otel-export.js";
import { UsageError } from "../../src/runtime/usage-error.js";

const require = createRequire(import.meta.url);

/** Node's own import, with `missing` not installed (resolved under a name nobody publishes, so Node's real error comes back). */
const without =
  (missing: string) =>
  async (name: string): Promise<unknown> =>
    name === missing ? require(`@escapement-test-not-installed/${name}`) : import(name);

describe("--otel", () => {
  it.each(["@opentelemetry/sdk-trace", "@opentelemetry/resources", "@opentelemetry/exporter-trace-otlp-proto"])(
    "without %s: a usage error naming it and the install command",
    async (missing) => {
      const started = startOtelExport({ env: {}, serviceVersion: "0.0.0", warn: () => {} }, without(missing));
      await expect(started).rejects.toBeInstanceOf(UsageError);
      await expect(started).rejects.toThrow(new RegExp(`^--otel needs the package ${missing}, which is not installed .*: npm install ${missing}@\\^[0-9.]+$`));
    },
  );

  it("http/json loads the JSON exporter, and only that one", async () => {
    const loaded: string[] = [];
    const otel = await startOtelExport({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }, serviceVersion: "0.0.0", warn: () => {} }, async (name) => {
      loaded.push(name);
      return without("@opentelemetry/exporter-trace-otlp-proto")(name);
    });
    expect(otel.protocol).toBe("http/json");
    expect(loaded).toEqual(["@opentelemetry/sdk-trace", "@opentelemetry/resources", "@opentelemetry/exporter-trace-otlp-http"]);
    await otel.shutdown();
  });

  it("reads the protocol from OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, then OTEL_EXPORTER_OTLP_PROTOCOL, default http/protobuf", () => {
    expect(otlpProtocolOf({})).toBe("http/protobuf");
    expect(otlpProtocolOf({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })).toBe("http/json");
    expect(otlpProtocolOf({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf" })).toBe("http/protobuf");
    expect(() => otlpProtocolOf({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc" })).toThrow(
      "--otel: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc is not supported; use http/protobuf or http/json (OTLP over HTTP)",
    );
  });
});
