// The playground page: pick a model, talk to it, watch the answer stream in over gRPC-Web, see usage and timings.
import { Code, ConnectError } from "@connectrpc/connect";
import { createInferenceClient } from "./client";
import { describe, streamReply, type Turn } from "./chat";

const stored = { apiKey: "inference.playground.apiKey", model: "inference.playground.model" };

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

const ui = {
  model: element<HTMLSelectElement>("model"),
  modelStatus: element<HTMLParagraphElement>("model-status"),
  temperature: element<HTMLInputElement>("temperature"),
  maxTokens: element<HTMLInputElement>("max-tokens"),
  apiKey: element<HTMLInputElement>("api-key"),
  system: element<HTMLTextAreaElement>("system"),
  transcript: element<HTMLOListElement>("transcript"),
  error: element<HTMLParagraphElement>("error"),
  composer: element<HTMLFormElement>("composer"),
  message: element<HTMLTextAreaElement>("message"),
  send: element<HTMLButtonElement>("send"),
  stop: element<HTMLButtonElement>("stop"),
  clear: element<HTMLButtonElement>("clear"),
};

// The page is served by the service itself, so the gRPC-Web endpoint is this origin.
const client = createInferenceClient(location.origin, () => ui.apiKey.value);
const conversation: Turn[] = [];
let running: AbortController | null = null;

function showError(error: unknown): void {
  const e = ConnectError.from(error);
  const hint = e.code === Code.Unauthenticated ? " Enter an API key in the settings." : "";
  ui.error.textContent = `${Code[e.code]}: ${e.rawMessage}${hint}`;
  ui.error.hidden = false;
}

function addTurn(role: Turn["role"], text: string): { item: HTMLLIElement; content: HTMLDivElement; meta: HTMLParagraphElement } {
  const item = document.createElement("li");
  item.className = `turn ${role}`;
  const label = document.createElement("span");
  label.className = "role";
  label.textContent = role === "user" ? "You" : ui.model.value;
  const content = document.createElement("div");
  content.className = "content";
  content.textContent = text;
  const meta = document.createElement("p");
  meta.className = "meta";
  item.append(label, content, meta);
  ui.transcript.append(item);
  item.scrollIntoView({ block: "end" });
  return { item, content, meta };
}

async function loadModels(): Promise<void> {
  ui.modelStatus.textContent = "Loading models…";
  try {
    const response = await client.listModels({});
    // Only models that chat: an embedding model cannot answer. (A server that does not say a model's kind is
    // taken to serve chat.)
    const chat = response.data.filter((m) => m.kind !== "embedding");
    const previous = ui.model.value || localStorage.getItem(stored.model) || "";
    ui.model.replaceChildren(...chat.map((m) => new Option(m.id, m.id)));
    if (chat.some((m) => m.id === previous)) ui.model.value = previous;
    ui.modelStatus.textContent = `${chat.length} chat model(s) loaded.`;
  } catch (error) {
    ui.modelStatus.textContent = "Could not list the models.";
    showError(error);
  }
}

async function send(): Promise<void> {
  const text = ui.message.value.trim();
  if (text.length === 0 || running !== null) return;
  ui.error.hidden = true;
  ui.message.value = "";
  conversation.push({ role: "user", content: text });
  addTurn("user", text);

  const reply = addTurn("assistant", "");
  reply.item.dataset.state = "streaming";
  running = new AbortController();
  ui.send.disabled = true;
  ui.stop.disabled = false;
  const system = ui.system.value.trim();
  const turns: Turn[] = system.length > 0 ? [{ role: "system", content: system }, ...conversation] : [...conversation];
  try {
    const outcome = await streamReply(
      client,
      turns,
      { model: ui.model.value, temperature: Number(ui.temperature.value), maxTokens: Number(ui.maxTokens.value) },
      (delta) => {
        reply.content.append(delta);
        reply.item.scrollIntoView({ block: "end" });
      },
      running.signal,
    );
    conversation.push({ role: "assistant", content: reply.content.textContent ?? "" });
    reply.meta.textContent = describe(outcome);
    reply.item.dataset.state = "done";
  } catch (error) {
    // A stopped answer keeps what arrived; the next question starts from the user's turn again.
    conversation.pop();
    reply.item.dataset.state = "error";
    if (ConnectError.from(error).code === Code.Canceled) {
      reply.meta.textContent = "stopped";
    } else {
      reply.meta.textContent = "failed";
      showError(error);
    }
  } finally {
    running = null;
    ui.send.disabled = false;
    ui.stop.disabled = true;
    ui.message.focus();
  }
}

ui.apiKey.value = localStorage.getItem(stored.apiKey) ?? "";
ui.apiKey.addEventListener("change", () => {
  localStorage.setItem(stored.apiKey, ui.apiKey.value.trim());
  ui.error.hidden = true;
  void loadModels();
});
ui.model.addEventListener("change", () => localStorage.setItem(stored.model, ui.model.value));
ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  void send();
});
ui.message.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void send();
  }
});
ui.stop.addEventListener("click", () => running?.abort());
ui.clear.addEventListener("click", () => {
  running?.abort();
  conversation.length = 0;
  ui.transcript.replaceChildren();
  ui.error.hidden = true;
});

void loadModels();
