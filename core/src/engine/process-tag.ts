/** The tag of the processes one tool call starts (ToolContext.processTag): the same on resume, unique in the session. */
export const processTagOf = (sessionId: string, invokeId: string, turn: number, toolCallId: string): string => `${sessionId}/${invokeId}/${turn}/${toolCallId}`;
