/**
 * `npm run test:live`: the adapter behaviours the fake-server tests cover, against the real
 * providers whose credentials are in the environment. Everything else is reported as SKIP.
 * Exit code 1 only when a behaviour that ran FAILED.
 *
 *   ANTHROPIC_API_KEY   [LIVE_ANTHROPIC_MODEL  default claude-haiku-4-5]
 *   OPENAI_API_KEY      [LIVE_OPENAI_MODEL     default gpt-4.1-mini]
 *   OPENROUTER_API_KEY  [LIVE_OPENROUTER_MODEL default openai/gpt-4.1-mini]
 *   ZAI_API_KEY         [LIVE_ZAI_MODEL        default glm-4.5-flash]
 *   LIVE_OLLAMA_MODEL   [OLLAMA_BASE_URL       default http://localhost:11434/v1]
 *
 * LIVE_<NAME>_BASE_URL (e.g. LIVE_ANTHROPIC_BASE_URL) points a provider at a proxy or gateway.
 * Each call has a 60 s deadline. Costs: a handful of short calls per provider; the Anthropic
 * prompt-caching check sends a ~5k-token system prompt twice.
 */
import { LlmError } from "../../core/src/llm/llm-error.js";
import type { ModelRequest, ModelResponse, TargetClient } from "../../core/src/llm/protocol.js";
import { createTargetClient, type ProviderKind, type ProviderSpec } from "../../core/src/llm/providers/index.js";

type Outcome = { status: "PASS" | "FAIL" | "SKIP"; detail: string };

interface LiveProvider {
  name: string;
  kind: ProviderKind;
  /** Why it cannot run here, or undefined when it can. */
  missing: string | undefined;
  spec: ProviderSpec;
  model: string;
}

const env = process.env;
const secret = (value: string) => ({ reveal: () => value });

function provider(name: string, kind: ProviderKind, keyVar: string, modelVar: string, defaultModel: string): LiveProvider {
  const key = env[keyVar];
  const baseURL = env[`LIVE_${name.toUpperCase()}_BASE_URL`];
  return {
    name,
    kind,
    missing: key ? undefined : `${keyVar} not set`,
    spec: { name, kind, ...(key ? { apiKey: secret(key) } : {}), ...(baseURL ? { baseURL } : {}) },
    model: env[modelVar] ?? defaultModel,
  };
}

const providers: LiveProvider[] = [
  provider("anthropic", "anthropic", "ANTHROPIC_API_KEY", "LIVE_ANTHROPIC_MODEL", "claude-haiku-4-5"),
  provider("openai", "openai", "OPENAI_API_KEY", "LIVE_OPENAI_MODEL", "gpt-4.1-mini"),
  provider("openrouter", "openrouter", "OPENROUTER_API_KEY", "LIVE_OPENROUTER_MODEL", "openai/gpt-4.1-mini"),
  provider("zai", "zai", "ZAI_API_KEY", "LIVE_ZAI_MODEL", "glm-4.5-flash"),
  {
    name: "ollama",
    kind: "ollama",
    missing: env.LIVE_OLLAMA_MODEL ? undefined : "LIVE_OLLAMA_MODEL not set",
    spec: { name: "ollama", kind: "ollama", ...(env.OLLAMA_BASE_URL ? { baseURL: env.OLLAMA_BASE_URL } : {}) },
    model: env.LIVE_OLLAMA_MODEL ?? "",
  },
];

const weatherTool = {
  name: "get_weather",
  description: "Get the current weather for a city.",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
};

const base = (over: Partial<ModelRequest>): ModelRequest => ({
  model: "live",
  system: "You are a terse assistant.",
  messages: [{ role: "user", content: [{ type: "text", text: "Say hello in five words." }] }],
  tools: [],
  params: { maxTokens: 200 },
  stream: true,
  origin: { invokeId: "live", stateId: "live", turn: 1 },
  ...over,
});

async function call(client: TargetClient, request: ModelRequest): Promise<{ response: ModelResponse; deltas: number; firstToken: boolean }> {
  let deltas = 0;
  let firstToken = false;
  const response = await client.call(request, {
    signal: AbortSignal.timeout(60_000),
    onDelta: () => void (deltas += 1),
    onFirstToken: () => void (firstToken = true),
  });
  return { response, deltas, firstToken };
}

const text = (response: ModelResponse) => response.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
const usage = (response: ModelResponse) =>
  `in ${response.usage.input} out ${response.usage.output} read ${response.usage.cacheRead} write ${response.usage.cacheWrite}`;

type Behaviour = { name: string; applies?: (p: LiveProvider) => string | undefined; run: (client: TargetClient, p: LiveProvider) => Promise<Outcome> };

const pass = (detail: string): Outcome => ({ status: "PASS", detail });
const fail = (detail: string): Outcome => ({ status: "FAIL", detail });

const behaviours: Behaviour[] = [
  {
    name: "stream text",
    run: async (client) => {
      const { response, deltas, firstToken } = await call(client, base({}));
      if (deltas === 0 || !firstToken || response.ttftMs === undefined) return fail(`deltas ${deltas}, first token ${firstToken}`);
      if (text(response) === "" || response.usage.output === 0) return fail(`text "${text(response)}", ${usage(response)}`);
      return pass(`ttft ${Math.round(response.ttftMs)} ms, ${deltas} deltas, ${usage(response)}`);
    },
  },
  {
    name: "tool call",
    run: async (client) => {
      const { response } = await call(
        client,
        base({
          messages: [{ role: "user", content: [{ type: "text", text: "What is the weather in Paris? Use the tool." }] }],
          tools: [weatherTool],
        }),
      );
      const callBlock = response.content.find((block) => block.type === "tool-call");
      if (response.stopReason !== "tool_use" || callBlock?.type !== "tool-call") return fail(`stop ${response.stopReason}`);
      const input = callBlock.input as { city?: unknown };
      return typeof input.city === "string" ? pass(`${callBlock.name}(${JSON.stringify(input)})`) : fail(`input ${JSON.stringify(input)}`);
    },
  },
  {
    name: "max_tokens stop",
    run: async (client) => {
      const { response } = await call(
        client,
        base({ messages: [{ role: "user", content: [{ type: "text", text: "Count from 1 to 200, comma separated." }] }], params: { maxTokens: 8 } }),
      );
      return response.stopReason === "max_tokens" ? pass(`"${text(response).slice(0, 30)}"`) : fail(`stop ${response.stopReason}`);
    },
  },
  {
    name: "non-streamed",
    run: async (client) => {
      const { response, deltas } = await call(client, base({ stream: false }));
      return deltas === 0 && text(response) !== "" ? pass(usage(response)) : fail(`deltas ${deltas}, text "${text(response)}"`);
    },
  },
  {
    name: "prompt cache read",
    applies: (p) => (p.kind === "anthropic" ? undefined : "Anthropic only (others cache automatically)"),
    run: async (client) => {
      const system = `You answer questions about this reference text.\n${"The escapement regulates the release of energy in a mechanical watch. ".repeat(400)}`;
      const request = base({ system });
      const first = await call(client, request);
      const second = await call(client, request);
      const written = first.response.usage.cacheWrite + first.response.usage.cacheRead;
      return second.response.usage.cacheRead > 0
        ? pass(`1st ${usage(first.response)}; 2nd ${usage(second.response)}`)
        : fail(`no cache read: 1st ${usage(first.response)} (cached ${written}); 2nd ${usage(second.response)}`);
    },
  },
  {
    name: "bad key -> auth",
    applies: (p) => (p.kind === "ollama" ? "no auth" : undefined),
    run: async (_client, p) => {
      const bad = createTargetClient({ provider: p.name, model: p.model }, { ...p.spec, apiKey: secret("invalid-key-for-escapement-live-test") });
      try {
        await call(bad, base({}));
        return fail("the call succeeded");
      } catch (error) {
        return error instanceof LlmError && error.category === "auth" ? pass(error.message.slice(0, 60)) : fail(String(error));
      }
    },
  },
];

async function main(): Promise<number> {
  const rows: Array<[string, string, Outcome]> = [];
  for (const p of providers) {
    const client = p.missing === undefined ? createTargetClient({ provider: p.name, model: p.model }, p.spec) : undefined;
    for (const behaviour of behaviours) {
      const notApplicable = behaviour.applies?.(p);
      let outcome: Outcome;
      if (client === undefined) outcome = { status: "SKIP", detail: p.missing! };
      else if (notApplicable !== undefined) outcome = { status: "SKIP", detail: notApplicable };
      else {
        try {
          outcome = await behaviour.run(client, p);
        } catch (error) {
          outcome = fail(error instanceof LlmError ? `${error.category}: ${error.message}` : String(error));
        }
      }
      rows.push([`${p.name}${p.missing === undefined ? ` (${p.model})` : ""}`, behaviour.name, outcome]);
    }
  }
  const width = (index: 0 | 1) => Math.max(...rows.map((row) => row[index].length), 8);
  const [w0, w1] = [width(0), width(1)];
  console.log(`${"provider".padEnd(w0)}  ${"behaviour".padEnd(w1)}  result  detail`);
  console.log(`${"-".repeat(w0)}  ${"-".repeat(w1)}  ------  ------`);
  for (const [name, behaviour, outcome] of rows) console.log(`${name.padEnd(w0)}  ${behaviour.padEnd(w1)}  ${outcome.status.padEnd(6)}  ${outcome.detail}`);
  const count = (status: Outcome["status"]) => rows.filter((row) => row[2].status === status).length;
  console.log(`\n${count("PASS")} passed, ${count("FAIL")} failed, ${count("SKIP")} skipped`);
  return count("FAIL") > 0 ? 1 : 0;
}

process.exitCode = await main();
