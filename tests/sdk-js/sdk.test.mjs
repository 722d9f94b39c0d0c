// The official openai npm SDK against a running Inference server, plus `buf curl` through gRPC reflection.
// INFERENCE_BASE_URL: the REST base URL including /v1 (default http://127.0.0.1:8080/v1).
// INFERENCE_GRPC_URL: the gRPC (h2c) base URL (default http://127.0.0.1:8081).
// INFERENCE_API_KEY: the API key (the key `make run` prints, or one from `inference keys create`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import OpenAI, { AuthenticationError, NotFoundError, BadRequestError } from 'openai';

const baseURL = process.env.INFERENCE_BASE_URL ?? 'http://127.0.0.1:8080/v1';
const grpcURL = process.env.INFERENCE_GRPC_URL ?? 'http://127.0.0.1:8081';
const apiKey = process.env.INFERENCE_API_KEY ?? '';
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const here = path.dirname(fileURLToPath(import.meta.url));
const greedy = { temperature: 0, max_tokens: 12 };
const messages = [{ role: 'user', content: 'Say something about the sea.' }];

test('chat completion returns assistant text and usage', async () => {
  const completion = await client.chat.completions.create({ model: 'tiny-chat', messages, ...greedy });
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.choices[0].message.role, 'assistant');
  assert.equal(typeof completion.choices[0].message.content, 'string');
  assert.ok(['stop', 'length'].includes(completion.choices[0].finish_reason));
  assert.equal(completion.usage.total_tokens, completion.usage.prompt_tokens + completion.usage.completion_tokens);
});

test('streamed chat equals the unary text and ends with usage', async () => {
  const whole = await client.chat.completions.create({ model: 'tiny-chat', messages, ...greedy });
  const stream = await client.chat.completions.create({
    model: 'tiny-chat', messages, ...greedy, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    for (const choice of chunk.choices) text += choice.delta.content ?? '';
  }
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const last = chunks.at(-1);
  assert.equal(last.choices.length, 0);
  assert.equal(last.usage.completion_tokens, whole.usage.completion_tokens);
});

test('completion plain and streamed agree', async () => {
  const request = { model: 'tiny-chat', prompt: 'Once upon a time', temperature: 0, max_tokens: 8 };
  const whole = await client.completions.create(request);
  assert.equal(whole.object, 'text_completion');
  let text = '';
  for await (const chunk of await client.completions.create({ ...request, stream: true })) {
    for (const choice of chunk.choices) text += choice.text;
  }
  assert.equal(text, whole.choices[0].text);
});

test('embeddings with the SDK default (base64) and float agree', async () => {
  const viaDefault = await client.embeddings.create({ model: 'tiny-embed', input: ['one', 'two'] });
  const viaFloat = await client.embeddings.create({ model: 'tiny-embed', input: ['one', 'two'], encoding_format: 'float' });
  assert.equal(viaDefault.data.length, 2);
  for (let i = 0; i < 2; i++) {
    const a = viaDefault.data[i].embedding;
    const b = viaFloat.data[i].embedding;
    assert.ok(Array.isArray(a) && a.length > 0);
    assert.equal(a.length, b.length);
    a.forEach((x, k) => assert.ok(Math.abs(x - b[k]) < 1e-6));
  }
  assert.ok(viaDefault.usage.prompt_tokens > 0);
});

test('models list and retrieve', async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.ok(ids.includes('tiny-chat') && ids.includes('tiny-embed'), ids.join(','));
  const model = await client.models.retrieve('tiny-chat');
  assert.equal(model.id, 'tiny-chat');
  assert.equal(model.object, 'model');
});

test('unknown model is NotFoundError with model_not_found', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages }),
    (e) => e instanceof NotFoundError && e.code === 'model_not_found');
});

test('invalid parameter is BadRequestError naming the param', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'tiny-chat', messages, temperature: 7 }),
    (e) => e instanceof BadRequestError && e.param === 'temperature');
});

test('prompt over the context is BadRequestError context_length_exceeded', async () => {
  const long = 'hello world '.repeat(1000);
  await assert.rejects(
    client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: long }] }),
    (e) => e instanceof BadRequestError && e.code === 'context_length_exceeded');
});

test('buf curl lists models over gRPC through reflection', async () => {
  const buf = path.join(here, 'node_modules', '.bin', 'buf');
  const { stdout } = await promisify(execFile)(buf, [
    'curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--data', '{}',
    '-H', `Authorization: Bearer ${apiKey}`,
    `${grpcURL}/inference.v1.InferenceService/ListModels`,
  ], { timeout: 30_000 });
  const ids = JSON.parse(stdout).data.map((m) => m.id);
  assert.ok(ids.includes('tiny-chat'), stdout);
});

test('a wrong key is AuthenticationError with invalid_api_key', async () => {
  const stranger = new OpenAI({ baseURL, apiKey: 'sk-not-a-key-of-this-server', maxRetries: 0, timeout: 30_000 });
  await assert.rejects(stranger.models.list(), (e) => e instanceof AuthenticationError && e.code === 'invalid_api_key');
});

test('buf curl without a key is refused as unauthenticated', async () => {
  const buf = path.join(here, 'node_modules', '.bin', 'buf');
  await assert.rejects(promisify(execFile)(buf, [
    'curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--data', '{}',
    `${grpcURL}/inference.v1.InferenceService/ListModels`,
  ], { timeout: 30_000 }), (e) => /unauthenticated/i.test(`${e.stdout}${e.stderr}`));
});
