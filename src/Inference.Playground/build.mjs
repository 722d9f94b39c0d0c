// Builds the pages the server serves into dist/: the playground (index.html + content-hashed bundles under
// assets/) and the API reference (docs/index.html + Swagger UI copied from npm under assets/swagger-ui-<version>/).
// The server build copies dist/ beside its binary as web/; `make web` runs this.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const swaggerDir = path.join(here, 'node_modules', 'swagger-ui-dist');

await rm(dist, { recursive: true, force: true });

const result = await build({
  entryPoints: {
    app: path.join(here, 'src', 'app.ts'),
    style: path.join(here, 'src', 'style.css'),
    docs: path.join(here, 'src', 'docs.ts'),
  },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  outdir: dist,
  // The hash in the name lets the server tell browsers to cache these for good (see WebCachePolicy).
  entryNames: 'assets/[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});

// Entry name -> the URL of its bundle.
const assets = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (output.entryPoint && !file.endsWith('.map')) {
    const name = path.basename(output.entryPoint).replace(/\.(ts|css)$/, '');
    assets[name] = '/' + path.relative(dist, path.join(here, file)).split(path.sep).join('/');
  }
}

// Swagger UI is versioned, not hashed: its version in the folder name does the same job.
const { version } = JSON.parse(await readFile(path.join(swaggerDir, 'package.json'), 'utf8'));
const swaggerOut = `assets/swagger-ui-${version}`;
await mkdir(path.join(dist, swaggerOut), { recursive: true });
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE']) {
  await copyFile(path.join(swaggerDir, file), path.join(dist, swaggerOut, file));
  assets[file] = `/${swaggerOut}/${file}`;
}

async function page(template, target) {
  const html = (await readFile(path.join(here, 'pages', template), 'utf8')).replace(/%asset:([^%]+)%/g, (_, name) => {
    if (!(name in assets)) throw new Error(`${template} names an unknown asset: ${name}`);
    return assets[name];
  });
  await mkdir(path.dirname(path.join(dist, target)), { recursive: true });
  await writeFile(path.join(dist, target), html);
}

await page('index.html', 'index.html');
await page('docs.html', 'docs/index.html');
console.log(`built ${path.relative(process.cwd(), dist)}: ${Object.values(assets).join(', ')}`);
