// The pages the server itself serves, in headless Chromium: the chat playground at / (gRPC-Web to its own origin) and
// the API reference at /docs (Swagger UI over /openapi.json).
// INFERENCE_URL: the server's HTTP/1.1 base URL (default http://127.0.0.1:8080), built with the pages (`make web`).
// BROWSER_TEST_OUTPUT: where the screenshots and page logs go (default ./test-output); they are written on success
//   too, as the record of what a user sees.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, screenshot } from './chromium.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const server = (process.env.INFERENCE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const outputDir = process.env.BROWSER_TEST_OUTPUT ?? path.join(here, 'test-output');
const origin = new URL(server).origin;
// The key the server accepts (the test fixture's); the page needs it for every gRPC-Web call.
const apiKey = process.env.INFERENCE_API_KEY ?? '';

/** Types a key into the playground's settings and waits for the model list it reloads with it. */
async function useKey(page, key) {
  await page.fill('#api-key', key);
  const [listModels] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith('/ListModels'), { timeout: 30_000 }),
    page.dispatchEvent('#api-key', 'change'),
  ]);
  return listModels;
}

/** Every request the page made to somewhere other than the server (data: and blob: URLs stay in the page). */
function foreignRequests(requests) {
  return requests.map((r) => r.url()).filter((url) => !url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin);
}

/** Content-Security-Policy refusals show up as console errors; there must be none. */
function refusals(log) {
  return log.filter((line) => /Refused to|Content Security Policy/i.test(line));
}

describe('the chat playground at /', () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  test('answers "What is 23 + 19?" with 42, streamed over gRPC-Web, with usage and timings', async () => {
    const { page } = browser;
    try {
      await page.goto(`${server}/`, { timeout: 30_000 });
      await useKey(page, apiKey);
      await page.waitForSelector('#model option[value="tiny-chat"]', { state: 'attached', timeout: 30_000 });
      assert.equal(await page.locator('#model option[value="tiny-embed"]').count(), 0, 'an embedding model cannot chat and is not offered');
      await page.selectOption('#model', 'tiny-chat');
      assert.equal(await page.inputValue('#temperature'), '0', 'the playground should default to greedy decoding');
      await page.fill('#message', 'What is 23 + 19?');
      await page.click('#send');

      const reply = page.locator('.turn.assistant').last();
      await page.waitForSelector('.turn.assistant:last-child:is([data-state="done"], [data-state="error"])', { timeout: 60_000 });
      const state = await reply.getAttribute('data-state');
      assert.equal(state, 'done', `the answer failed: ${await page.textContent('#error')}`);

      const answer = await reply.locator('.content').textContent();
      assert.match(answer, /42/, `answer: ${answer}`);
      // The page appends one text node per streamed delta: more than one means the answer arrived in pieces.
      const deltas = await reply.locator('.content').evaluate((el) => el.childNodes.length);
      assert.ok(deltas > 1, `the answer arrived in ${deltas} piece(s), not streamed`);

      const meta = await reply.locator('.meta').textContent();
      assert.match(meta, /\d+ prompt \+ \d+ completion = \d+ tokens/, `usage: ${meta}`);
      assert.match(meta, /first token \d+ ms/, `timings: ${meta}`);
      assert.match(meta, /[\d.]+ tokens\/s/, `rate: ${meta}`);

      const stream = browser.requests.find((r) => r.url().endsWith('/inference.v1.InferenceService/StreamChatComplete'));
      assert.ok(stream, 'no StreamChatComplete call was made');
      assert.match(stream.headers()['content-type'] ?? '', /^application\/grpc-web/);
      assert.equal(stream.headers()['authorization'], `Bearer ${apiKey}`, 'the typed key must go with the call');
      assert.deepEqual(foreignRequests(browser.requests), []);
      assert.deepEqual(refusals(browser.log), []);
    } finally {
      await screenshot(browser, outputDir, 'playground');
    }
  });

  test('a wrong key is refused with a hint; the right one is sent as a bearer token on every call and kept', async () => {
    const { page } = browser;
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${server}/`, { timeout: 30_000 });
    const refused = await useKey(page, 'sk-not-a-key-this-server-knows');
    assert.equal(refused.headers()['authorization'], 'Bearer sk-not-a-key-this-server-knows');
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
    assert.match(await page.textContent('#error'), /Unauthenticated.*API key/s);

    const listModels = await useKey(page, apiKey);
    assert.equal(listModels.headers()['authorization'], `Bearer ${apiKey}`);
    await page.waitForSelector('#model option[value="tiny-chat"]', { state: 'attached', timeout: 30_000 });
    await page.selectOption('#model', 'tiny-chat');
    await page.fill('#message', 'What is the capital of France?');
    const [chat] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/StreamChatComplete'), { timeout: 30_000 }),
      page.click('#send'),
    ]);
    assert.equal(chat.headers()['authorization'], `Bearer ${apiKey}`);
    await page.waitForSelector('.turn.assistant:last-child[data-state="done"]', { timeout: 60_000 });

    await page.reload();
    assert.equal(await page.inputValue('#api-key'), apiKey, 'the key was not kept');
    await page.evaluate(() => localStorage.clear());
  });
});

describe('the API reference at /docs', () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  test('renders every operation of /openapi.json and loads nothing from another host', async () => {
    const response = await fetch(`${server}/openapi.json`);
    assert.equal(response.status, 200);
    const document = await response.json();
    const verbs = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace']);
    const operations = Object.entries(document.paths)
      .flatMap(([p, item]) => Object.keys(item).filter((k) => verbs.has(k)).map((verb) => `${verb.toUpperCase()} ${p}`))
      .sort();
    assert.ok(operations.length >= 7, `only ${operations.length} operations in /openapi.json`);

    const { page } = browser;
    try {
      await page.goto(`${server}/docs`, { timeout: 30_000 });
      await page.waitForFunction((n) => document.querySelectorAll('.opblock').length >= n, operations.length, { timeout: 30_000 });
      const rendered = (await page.$$eval('.opblock', (blocks) => blocks.map((b) =>
        `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`)))
        .sort();
      assert.deepEqual(rendered, operations);

      // Open the chat route: its streamed variant and the error responses are part of what is rendered.
      await page.click('#operations-InferenceService-ChatComplete .opblock-summary');
      await page.waitForSelector('#operations-InferenceService-ChatComplete .responses-table', { timeout: 10_000 });
      const details = await page.textContent('#operations-InferenceService-ChatComplete');
      assert.match(details, /text\/event-stream/);
      assert.match(details, /data: \[DONE\]/);

      await page.waitForLoadState('networkidle', { timeout: 10_000 });
      assert.deepEqual(foreignRequests(browser.requests), []);
      assert.ok(browser.requests.some((r) => r.url() === `${server}/openapi.json`), 'the page never read /openapi.json');
      assert.deepEqual(refusals(browser.log), []);
    } finally {
      await screenshot(browser, outputDir, 'docs');
    }
  });
});
