// The page (index.html + app.ts) in headless Chromium, calling a running Inference server over gRPC-Web cross-origin.
// INFERENCE_GRPC_WEB_URL: the server's HTTP/1.1 base URL (default http://127.0.0.1:8080); it must list this page's
//   origin under Inference:Cors:AllowedOrigins.
// BROWSER_PAGE_PORT: the loopback port the page is served from (default: any free one), so the server can allow it.
// BROWSER_TEST_OUTPUT: where a failure's screenshot and page log go (default: ./test-output).
// CHROMIUM_PATH: the browser (default /usr/bin/chromium, Debian's package, which `make test` installs).
// INFERENCE_API_KEY: the key the page sends (as ?key=, then in the Authorization header of every call).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launch, screenshot as saveScreenshot } from './chromium.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const serverUrl = (process.env.INFERENCE_GRPC_WEB_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const pagePort = Number(process.env.BROWSER_PAGE_PORT ?? 0);
const outputDir = process.env.BROWSER_TEST_OUTPUT ?? path.join(here, 'test-output');
// The generated client and its runtime (@bufbuild/protobuf, connect) live in the playground, one copy for both pages.
const playground = path.join(here, '..', '..', 'src', 'Inference.Playground');
const apiKey = process.env.INFERENCE_API_KEY ?? '';

let staticServer;
let browser;
let results = {};

async function bundle() {
  const result = await build({
    entryPoints: [path.join(here, 'app.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    nodePaths: [path.join(playground, 'node_modules')],
  });
  return result.outputFiles[0].contents;
}

// Serves index.html and the in-memory bundle, nothing else: the page's origin differs from the server's (another
// port), so every call is a real cross-origin gRPC-Web request with a CORS preflight.
async function serve(appJs) {
  const indexHtml = await readFile(path.join(here, 'index.html'));
  const files = { '/': ['text/html', indexHtml], '/index.html': ['text/html', indexHtml], '/app.js': ['text/javascript', appJs] };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url, 'http://page').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(pagePort, '127.0.0.1', resolve);
  });
  return server;
}

async function screenshot(name) {
  if (browser) await saveScreenshot(browser, outputDir, name, 'results: ' + JSON.stringify(results, null, 2));
}

// A failed assertion leaves a screenshot of the page behind, named after the test.
function check(name, assertions) {
  test(name, async () => {
    try {
      await assertions();
    } catch (error) {
      await screenshot(name.replace(/[^a-z0-9]+/gi, '-'));
      throw error;
    }
  });
}

function ok(id) {
  const outcome = results[id];
  assert.ok(outcome, `${id}: no result (the page did not get that far)`);
  assert.ok(outcome.ok, `${id} failed: ${outcome.code} ${outcome.message}`);
  return outcome.value;
}

describe('gRPC-Web from headless Chromium', () => {
  before(async () => {
    staticServer = await serve(await bundle());
    const pageOrigin = `http://127.0.0.1:${staticServer.address().port}`;
    browser = await launch();
    const { page } = browser;
    try {
      await page.goto(`${pageOrigin}/?server=${encodeURIComponent(serverUrl)}&key=${encodeURIComponent(apiKey)}`, { timeout: 30_000 });
      await page.waitForFunction(() => window.done === true, null, { timeout: 120_000 });
      results = await page.evaluate(() => window.results);
    } catch (error) {
      await screenshot('page-did-not-finish');
      throw new Error(`the page did not finish: ${error.message}\n${browser.log.join('\n')}`);
    }
  });

  after(async () => {
    await browser?.close();
    staticServer?.close();
  });

  check('ListModels lists tiny-chat and tiny-embed', () => {
    const ids = ok('models');
    assert.ok(ids.includes('tiny-chat') && ids.includes('tiny-embed'), ids.join(','));
  });

  check('Complete returns text for a raw greedy prompt', () => {
    const { text } = ok('complete');
    assert.equal(typeof text, 'string');
    assert.ok(text.length > 0, 'empty completion');
  });

  check('StreamComplete streams the same text as Complete', () => {
    const streamed = ok('stream');
    assert.ok(streamed.messages > 0, 'no streamed messages');
    assert.equal(streamed.text, ok('complete').text);
  });

  check('ChatComplete answers as the assistant', () => {
    const { role, content } = ok('chat');
    assert.equal(role, 'assistant');
    assert.ok(content.trim().length > 0, 'empty assistant message');
  });

  check('GetEmbeddings returns a 128-dimension vector', () => {
    const { dimensions, first } = ok('embeddings');
    assert.equal(dimensions, 128);
    assert.equal(typeof first, 'number');
  });

  check('an unknown model is NotFound', () => {
    const outcome = results.notFound;
    assert.ok(outcome, 'notFound: no result');
    assert.equal(outcome.ok, false, 'the unknown model was accepted');
    assert.equal(outcome.code, 'NotFound', outcome.message);
  });

  check('a call without a key is Unauthenticated', () => {
    const outcome = results.noKey;
    assert.ok(outcome, 'noKey: no result');
    assert.equal(outcome.ok, false, 'the call without a key was accepted');
    assert.equal(outcome.code, 'Unauthenticated', outcome.message);
  });
});
