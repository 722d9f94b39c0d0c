// The page: every call a browser app would make, over gRPC-Web with connect-web and the generated client (in the
// playground's gen/, one copy for both pages). Each step records its outcome in window.results (and the DOM) on its
// own, so one failing step does not hide the others.
import { create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { InferenceService } from "../../src/Inference.Playground/gen/inference/v1/inference_service_pb";
import { CompleteRequestSchema } from "../../src/Inference.Playground/gen/inference/v1/completions_pb";

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

declare global {
  interface Window {
    results: Record<string, Outcome>;
    done: boolean;
  }
}

window.results = {};
window.done = false;

const params = new URLSearchParams(location.search);
const server = params.get("server") ?? location.origin;
const key = params.get("key");
// Every call carries the API key, as a browser app would send its user's key.
const withKey: Interceptor = (next) => async (request) => {
  if (key) {
    request.header.set("Authorization", `Bearer ${key}`);
  }
  return next(request);
};
const client = createClient(InferenceService, createGrpcWebTransport({ baseUrl: server, interceptors: [withKey] }));
const keyless = createClient(InferenceService, createGrpcWebTransport({ baseUrl: server }));
const text = (value: string): JsonValue => value;

function show(id: string, content: string): void {
  document.getElementById(id)!.textContent = content;
}

async function step(id: string, run: () => Promise<unknown>): Promise<void> {
  try {
    const value = await run();
    window.results[id] = { ok: true, value };
    show(id, JSON.stringify(value, null, 2));
  } catch (error) {
    const e = ConnectError.from(error);
    window.results[id] = { ok: false, code: Code[e.code], message: e.rawMessage };
    show(id, `error ${Code[e.code]}: ${e.rawMessage}`);
  }
}

// One greedy request for the unary and the streamed completion, so their texts must agree.
const greedy = create(CompleteRequestSchema, {
  model: "tiny-chat",
  prompt: fromJson(ValueSchema, text("The capital of France is")),
  temperature: 0,
  maxTokens: 8,
});

async function main(): Promise<void> {
  await step("models", async () => (await client.listModels({})).data.map((m) => m.id));

  await step("complete", async () => {
    const response = await client.complete(greedy);
    return { text: response.choices[0]?.text ?? "", finishReason: response.choices[0]?.finishReason ?? null };
  });

  await step("stream", async () => {
    // Deltas go into the page as they arrive: what a browser app would show while tokens come.
    const pre = document.getElementById("stream")!;
    let streamed = "";
    let messages = 0;
    for await (const chunk of client.streamComplete(greedy)) {
      messages++;
      for (const choice of chunk.choices) {
        streamed += choice.text;
        pre.append(choice.text);
      }
    }
    return { text: streamed, messages };
  });

  await step("chat", async () => {
    const response = await client.chatComplete({
      model: "tiny-chat",
      messages: [{ role: "user", content: fromJson(ValueSchema, text("What is 23 + 19?")) }],
      temperature: 0,
      maxTokens: 16,
    });
    const choice = response.choices[0];
    return { role: choice?.message?.role ?? "", content: choice?.message?.content ?? "" };
  });

  await step("embeddings", async () => {
    const response = await client.getEmbeddings({
      model: "tiny-embed",
      input: fromJson(ValueSchema, text("The sea is blue.")),
      encodingFormat: "float",
    });
    const embedding = response.data[0]?.embedding;
    const vector = embedding === undefined ? [] : toJson(ValueSchema, embedding);
    return { dimensions: Array.isArray(vector) ? vector.length : -1, first: Array.isArray(vector) ? vector[0] : vector };
  });

  await step("notFound", async () =>
    client.complete({ model: "no-such-model", prompt: fromJson(ValueSchema, text("Hello")), maxTokens: 1 }),
  );

  await step("noKey", async () => (await keyless.listModels({})).data.map((m) => m.id));
}

main().finally(() => {
  window.done = true;
  show("status", "done");
});
