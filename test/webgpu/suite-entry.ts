// Entry of the kernel-suite bundle for Deno and headless Chromium: finds navigator.gpu, runs every
// case and prints one line per case, then a summary, each as `VARMAT-SUITE <json>` on the console
// (stdout in Deno, the page console in Chromium), read by the vitest drivers in Node.
import { createWebGPUBackend } from '../../src/backend/webgpu/webgpu-backend.js';
import { casePassed, runSuite } from './run-suite.js';

const emit = (o: object): void => console.log(`VARMAT-SUITE ${JSON.stringify(o)}`);

async function main(): Promise<void> {
  try {
    const params = (globalThis as { location?: { search?: string } }).location?.search ?? '';
    const only = new URLSearchParams(params).get('only');
    const { reports, description } = await runSuite(
      (options) => createWebGPUBackend(options),
      (report) => emit({ type: 'case', report }),
      only ? (name) => name.includes(only) : undefined,
    );
    const failed = reports.filter((r) => !casePassed(r)).length;
    emit({ type: 'done', description, passed: reports.length - failed, failed });
  } catch (e) {
    emit({ type: 'fatal', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
}

void main();
