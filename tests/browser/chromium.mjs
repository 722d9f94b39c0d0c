// Debian's chromium driven by playwright-core, as every browser test here uses it.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium reaches out at start-up, and this machine's closed network refuses
// it; --disable-quic keeps every request on plain HTTP/1.1 TCP like the server's gRPC-Web port.
const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A fresh browser profile with one page whose console, errors and requests are logged. */
export async function launch() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: \`make test\` installs it (apt-get install chromium).`);
  }
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'inference-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? await context.newPage();
  const log = [];
  const requests = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r));
  page.on('requestfailed', (r) => log.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  return {
    page,
    log,
    requests,
    async close() {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves the page as `<name>.png` and its log as `<name>.log` in the output folder. */
export async function screenshot(browser, outputDir, name, extra = '') {
  await mkdir(outputDir, { recursive: true });
  const file = path.join(outputDir, `${name}.png`);
  await browser.page.screenshot({ path: file, fullPage: true, timeout: 10_000 }).catch(() => {});
  await writeFile(path.join(outputDir, `${name}.log`), browser.log.join('\n') + (extra ? `\n\n${extra}` : '') + '\n');
  console.error(`screenshot: ${file}`);
  return file;
}
