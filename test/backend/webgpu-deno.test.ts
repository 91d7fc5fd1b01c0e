// The WebGPU kernel suite in Deno 2 (npm package `deno`): navigator.gpu on lavapipe (Debian's
// mesa-vulkan-drivers) or, without it, SwiftShader. The suite is bundled with esbuild and run by
// the deno binary; its console lines are checked here. Skips (and says why) when deno or an
// adapter is missing, unless VARMAT_REQUIRE_WEBGPU=1.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSuite, parseSuiteLine, type SuiteLine } from '../webgpu/bundle-suite.js';
import { REQUIRE_WEBGPU } from '../webgpu/node-gpu.js';
import { casePassed, summarize, type CaseReport } from '../webgpu/run-suite.js';

const DENO = fileURLToPath(new URL('../../node_modules/deno/deno', import.meta.url));
const LAVAPIPE = '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json';
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const icd = existsSync(LAVAPIPE) ? LAVAPIPE : existsSync(SWIFTSHADER) ? SWIFTSHADER : null;
const missing = !existsSync(DENO) ? `no deno binary at ${DENO} (npm install)` : icd === null ? 'no software Vulkan driver (run .ci/install-webgpu.sh)' : '';
if (missing && REQUIRE_WEBGPU) throw new Error(`VARMAT_REQUIRE_WEBGPU=1 but the Deno WebGPU suite cannot run: ${missing}`);
if (missing) console.warn(`webgpu deno suite skipped: ${missing}`);

/** Runs the bundle in Deno, collecting the suite lines; kills deno on timeout. */
function runDeno(file: string, timeoutMs: number): Promise<{ lines: SuiteLine[]; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(DENO, ['run', '--no-prompt', `--allow-read=${file}`, file], {
      env: { ...process.env, VK_ICD_FILENAMES: icd!, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: SuiteLine[] = [];
    let buf = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`deno did not finish within ${timeoutMs / 1000} s; got ${lines.length} lines`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const parsed = parseSuiteLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (parsed) lines.push(parsed);
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ lines, stderr, code }); });
  });
}

function failures(reports: CaseReport[]): string {
  return reports.filter((r) => !casePassed(r)).map((r) => {
    const bad = r.results.filter((x) => !x.pass).map((x) => `  ${x.name}: ${x.error} (tol ${x.tol}) ${x.detail ?? ''}`);
    return [`${r.name}${r.error ? `: threw ${r.error}` : ''}${r.liveAfter !== r.liveBefore ? ' (leaked buffers)' : ''}`, ...bad].join('\n');
  }).join('\n');
}

describe.skipIf(!!missing)(`webgpu kernels in Deno${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let bundle: Awaited<ReturnType<typeof bundleSuite>>;
  let result: { lines: SuiteLine[]; stderr: string; code: number | null };
  beforeAll(async () => {
    bundle = await bundleSuite();
    result = await runDeno(bundle.file, 280_000);
  }, 300_000);
  afterAll(async () => { await bundle?.cleanup(); });

  it('finds an adapter and runs every case: all match the float64 reference, no leaks', () => {
    const fatal = result.lines.find((l) => l.type === 'fatal');
    if (fatal && fatal.type === 'fatal' && /no WebGPU/.test(fatal.message) && !REQUIRE_WEBGPU) {
      console.warn(`webgpu deno suite: no adapter (${fatal.message})`);
      return;
    }
    expect(fatal, `deno: ${JSON.stringify(fatal)}\n${result.stderr}`).toBeUndefined();
    const done = result.lines.find((l) => l.type === 'done');
    expect(done, `deno exited with ${result.code} before the end\n${result.stderr}`).toBeDefined();
    const reports = result.lines.flatMap((l) => (l.type === 'case' ? [l.report] : []));
    expect(failures(reports)).toBe('');
    expect(reports.length).toBeGreaterThanOrEqual(25);
    if (done?.type === 'done') console.log(`deno: ${done.passed} cases passed on ${done.description}\n${summarize(reports)}`);
  });
});
