// What the browser tests need around the page: the real aelab binary (trainings, a study, the
// latent map, `aelab serve` on a free loopback port) and headless chromium driven by
// puppeteer-core from web/node_modules.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

// CTest's SKIP_RETURN_CODE (tests/browser/CMakeLists.txt).
export const kSkip = 77;

// --aelab BINARY --source REPO --artifacts DIR
export function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}: expected --aelab, --source, --artifacts with a value each`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const key of ['aelab', 'source', 'artifacts']) {
    if (!args[key]) throw new Error(`missing --${key}`);
    args[key] = path.resolve(args[key]);
  }
  return args;
}

// What both browser tests start from: their arguments (exits with kSkip when chromium or
// web/node_modules is missing), the data, where they write, and small-training overrides.
export function testSetting(argv) {
  const args = parseArgs(argv);
  const needs = browserRequirements(args.source);
  if (needs.skip) {
    console.log(`SKIP: ${needs.skip}`);
    process.exit(kSkip);
  }
  const work = path.join(args.artifacts, 'work');
  // A run's id in the API is "0/<path inside the served folder>".
  const dirOf = (id) => path.join(work, id.replace(/^0\//, ''));
  return {
    args,
    needs,
    data: process.env.AELAB_SHARED_DATA || path.join(path.dirname(path.resolve(args.source)), 'shared', 'data'),
    work,
    shots: path.join(args.artifacts, 'screenshots'),
    config: (name) => path.join(args.source, 'configs', name),
    dirOf,
    summaryOf: (id) => JSON.parse(fs.readFileSync(path.join(dirOf(id), 'summary.json'), 'utf8')),
  };
}

// Trainings of a few seconds on one thread.
export const kSmall = ['--set', 'data.train_subset=300', '--set', 'data.test_subset=200', '--set', 'train.threads=1'];

// puppeteer-core and the chromium binary, or the reason the tests cannot run here.
export function browserRequirements(source) {
  const chromium = process.env.AELAB_CHROMIUM || '/usr/bin/chromium';
  const modules = path.join(source, 'web', 'node_modules');
  if (!fs.existsSync(chromium)) return { skip: `no ${chromium} (apt-get install chromium, or set AELAB_CHROMIUM)` };
  if (!fs.existsSync(path.join(modules, 'puppeteer-core')))
    return { skip: `no ${modules}/puppeteer-core (npm ci in web/, as scripts/setup.sh does)` };
  const require = createRequire(path.join(source, 'web', 'package.json'));
  return { puppeteer: require('puppeteer-core'), chromium };
}

export function launchBrowser(puppeteer, chromium) {
  return puppeteer.launch({
    executablePath: chromium,
    headless: true,
    defaultViewport: { width: 1400, height: 1000 },
    // CI runs as root (no sandbox then); WebGL (parallel coordinates, big scatter plots)
    // through SwiftShader, the software renderer, as there is no GPU.
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-dev-shm-usage'],
  });
}

// Runs a program to its end; rejects with the command line and its output when it fails.
export function command(file, args, { cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output)
      : reject(new Error(`${path.basename(file)} ${args.join(' ')} exited with ${code}:\n${output}`))));
  });
}
export const aelab = command;

// Starts `aelab ARGS` in the background, output into `log`.
export function startAelab(binary, args, log) {
  const out = fs.openSync(log, 'w');
  const child = spawn(binary, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

// `aelab ARGS --port 0` (ARGS: [global options] serve FOLDER...): resolves with the URL it
// prints once it listens.
export function startServe(binary, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`aelab serve printed no URL in 30 s:\n${output}`)), 30000);
    const onData = (d) => {
      output += d;
      const m = /aelab serve: (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`aelab serve exited with ${code}:\n${output}`));
    });
  });
}

// metrics.csv as {columns, rows: [{column: number}]}, complete lines only.
export function readCsv(file) {
  if (!fs.existsSync(file)) return { columns: [], rows: [] };
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
  if (!lines.length) return { columns: [], rows: [] };
  const columns = lines[0].split(',');
  const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((c, i) => [columns[i], c === '' ? null : Number(c)])));
  return { columns, rows };
}

export async function waitUntil(what, fn, { timeout = 30000, interval = 100 } = {}) {
  const start = Date.now();
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() - start > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

// Everything a page reports as wrong: console errors, uncaught exceptions, failed requests
// and HTTP errors. `take()` returns what came since the last call.
export function watchPage(page) {
  let problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A picture request cut short by the next one (the explorer's hover) is no failure.
    if (!/ERR_ABORTED/.test(r.failure()?.errorText || '')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  return { take: () => { const p = problems; problems = []; return p; } };
}
