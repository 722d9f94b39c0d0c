// One measurement round of transformers.js on a GenAI model folder, printed as one JSON line.
// Usage: node bench.mjs <modelFolder> <threads> <promptIdsCsv> <newTokens> <repeats>
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';

const [modelFolder, threads, promptCsv, newTokensArg, repeatsArg] = process.argv.slice(2);
const newTokens = Number(newTokensArg);
const repeats = Number(repeatsArg);

// transformers.js expects <name>/onnx/model.onnx beside config.json: lay the same files out that way.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tjs-'));
const folder = path.join(root, 'model');
fs.mkdirSync(path.join(folder, 'onnx'), { recursive: true });
for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
  if (fs.existsSync(path.join(modelFolder, file))) fs.symlinkSync(path.resolve(modelFolder, file), path.join(folder, file));
}
fs.symlinkSync(path.resolve(modelFolder, 'model.onnx'), path.join(folder, 'onnx', 'model.onnx'));

env.allowRemoteModels = false;
env.localModelPath = root + path.sep;
const model = await AutoModelForCausalLM.from_pretrained('model', {
  dtype: 'fp32',
  session_options: { intraOpNumThreads: Number(threads), interOpNumThreads: 1 },
});

const ids = promptCsv.split(',').map((s) => BigInt(s));
const inputs = () => ({
  input_ids: new Tensor('int64', BigInt64Array.from(ids), [1, ids.length]),
  attention_mask: new Tensor('int64', BigInt64Array.from(ids.map(() => 1n)), [1, ids.length]),
});

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// Warm-up: first runs pay for graph optimisation and allocation.
await model.generate({ ...inputs(), max_new_tokens: 4, min_new_tokens: 4, do_sample: false });

const prefill = [];
const decode = [];
for (let i = 0; i < repeats; i++) {
  let start = performance.now();
  await model.generate({ ...inputs(), max_new_tokens: 1, min_new_tokens: 1, do_sample: false });
  prefill.push(performance.now() - start);

  start = performance.now();
  await model.generate({ ...inputs(), max_new_tokens: newTokens, min_new_tokens: newTokens, do_sample: false });
  decode.push(performance.now() - start);
}

const prefillMs = median(prefill);
const totalMs = median(decode);
console.log(JSON.stringify({
  prefill_ms: prefillMs,
  total_ms: totalMs,
  prefill_tokens_per_s: ids.length / (prefillMs / 1000),
  decode_tokens_per_s: (newTokens - 1) / ((totalMs - prefillMs) / 1000),
}));
fs.rmSync(root, { recursive: true, force: true });
