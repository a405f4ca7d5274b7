import { z } from "zod";
import type { ToolSpec } from "../llm/protocol.js";
import type { ConversationState } from "./conversation-state.js";

/** What a conversation's own tools may do outside the conversation. */
export interface ConversationToolHost {
  askHuman(question: AskHumanInput, signal: AbortSignal): Promise<{ value: unknown } | { cancelled: true }>;
  /** Delivers a message to another live conversation; false when no such target is live. */
  tell(target: string, text: string): boolean;
}

export interface ConversationTool {
  spec: ToolSpec;
  execute(input: unknown, host: ConversationToolHost, signal: AbortSignal): Promise<{ output: string; isError?: boolean }>;
}

const askHumanInput = z.object({
  message: z.string().min(1).describe("The question to show the human"),
  kind: z.enum(["text", "select", "multi-select", "confirm"]).default("text"),
  options: z.array(z.string()).optional().describe("Choices, for select and multi-select"),
});
export type AskHumanInput = z.output<typeof askHumanInput>;

const messageInput = z.object({
  target: z.string().describe("Id of the conversation to message"),
  text: z.string().min(1),
});

const specOf = (name: string, description: string, schema: z.ZodType): ToolSpec => {
  const inputSchema = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  delete inputSchema.$schema;
  return { name, description, inputSchema };
};

const issuesOf = (error: z.ZodError): string => error.issues.map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`).join("; ");

const askHuman: ConversationTool = {
  spec: specOf("ask_human", "Ask the human a question and wait for the answer.", askHumanInput),
  async execute(input, host, signal) {
    const parsed = askHumanInput.safeParse(input);
    if (!parsed.success) return { output: `invalid input for ask_human: ${issuesOf(parsed.error)}`, isError: true };
    const answer = await host.askHuman(parsed.data, signal);
    if ("cancelled" in answer) return { output: "The human cancelled the question.", isError: true };
    return { output: typeof answer.value === "string" ? answer.value : JSON.stringify(answer.value) };
  },
};

// Built once: only the description names the peers (this tool is rebuilt for every turn).
const messageInputSchema = specOf("message_conversation", "", messageInput).inputSchema;

const messageConversation = (peers: string[]): ConversationTool => ({
  spec: { name: "message_conversation", description: `Send a message to another live conversation: ${peers.join(", ")}.`, inputSchema: messageInputSchema },
  async execute(input, host) {
    const parsed = messageInput.safeParse(input);
    if (!parsed.success) return { output: `invalid input for message_conversation: ${issuesOf(parsed.error)}`, isError: true };
    if (!peers.includes(parsed.data.target)) {
      return { output: `"${parsed.data.target}" is not a peer; peers: ${peers.join(", ")}`, isError: true };
    }
    return host.tell(parsed.data.target, parsed.data.text)
      ? { output: "delivered" }
      : { output: `conversation "${parsed.data.target}" is not live`, isError: true };
  },
});

export function builtinConversationTools(state: Pick<ConversationState, "askHuman" | "peers">): ConversationTool[] {
  const tools: ConversationTool[] = [];
  if (state.askHuman) tools.push(askHuman);
  if (state.peers.length > 0) tools.push(messageConversation(state.peers));
  return tools;
}
