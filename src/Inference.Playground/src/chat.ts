// One streamed answer: sends the conversation with StreamChatComplete (usage included), hands each text delta to the
// page as it arrives, and measures what a user feels: time to the first token and the decoding rate after it.
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { InferenceClient } from "./client";

export type Turn = { role: "system" | "user" | "assistant"; content: string };

export type Settings = { model: string; temperature: number; maxTokens: number };

export type Outcome = {
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Milliseconds from sending to the first text delta. */
  firstTokenMs: number | null;
  /** Completion tokens per second after the first one arrived; null when there is nothing to divide. */
  tokensPerSecond: number | null;
  totalMs: number;
};

export async function streamReply(
  client: InferenceClient,
  turns: Turn[],
  settings: Settings,
  onDelta: (text: string) => void,
  signal: AbortSignal,
): Promise<Outcome> {
  const started = performance.now();
  let firstToken: number | null = null;
  let finishReason = "";
  let usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

  const chunks = client.streamChatComplete(
    {
      model: settings.model,
      messages: turns.map((t) => ({ role: t.role, content: fromJson(ValueSchema, t.content) })),
      temperature: settings.temperature,
      maxCompletionTokens: settings.maxTokens,
      streamOptions: { includeUsage: true },
    },
    { signal },
  );
  for await (const chunk of chunks) {
    for (const choice of chunk.choices) {
      const text = choice.delta?.content ?? "";
      if (text.length > 0) {
        firstToken ??= performance.now();
        onDelta(text);
      }
      if (choice.finishReason) {
        finishReason = choice.finishReason;
      }
    }
    if (chunk.usage) {
      usage = chunk.usage;
    }
  }

  const ended = performance.now();
  const decodeSeconds = firstToken === null ? 0 : (ended - firstToken) / 1000;
  // The first token's time is prefill, not decoding: the rate counts the tokens after it.
  const decoded = usage.completionTokens - 1;
  return {
    finishReason,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    totalTokens: usage.totalTokens,
    firstTokenMs: firstToken === null ? null : firstToken - started,
    tokensPerSecond: decoded > 0 && decodeSeconds > 0 ? decoded / decodeSeconds : null,
    totalMs: ended - started,
  };
}

export function describe(outcome: Outcome): string {
  const parts = [
    `${outcome.promptTokens} prompt + ${outcome.completionTokens} completion = ${outcome.totalTokens} tokens`,
    outcome.firstTokenMs === null ? "no tokens" : `first token ${Math.round(outcome.firstTokenMs)} ms`,
    outcome.tokensPerSecond === null ? null : `${outcome.tokensPerSecond.toFixed(1)} tokens/s`,
    `${(outcome.totalMs / 1000).toFixed(2)} s total`,
    outcome.finishReason ? `finish: ${outcome.finishReason}` : null,
  ];
  return parts.filter((p) => p !== null).join(" · ");
}
