import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildReport, reportHtml, reportMarkdown, type ReportRun } from '../../src/robust/index.js';
import { parseReportArgs, readRun, reportCommand } from '../../src/cli/report-command.js';
import { writeFileSync, mkdirSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'varmat-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const epoch = (e: number, va: number, vr: number, a: number, b: number): object => ({
  epoch: e, trainLoss: 1, trainCe: 1, trainPenalty: 0.1, trainAdvAccuracy: 0.5, vulnerability: { audiospec: a, colorlessimage: b },
  valCleanAccuracy: va, valRobustAccuracy: vr, best: true, seconds: 10, samplesPerSec: 100,
});

function writeRun(name: string, at: string, robust: number): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'log.json'), JSON.stringify({
    run: { at, attack: 'fgsm-rs', modalities: ['audiospec', 'colorlessimage'] },
    epochs: [epoch(0, 0.5, 0.2, 0.004, 0.003), epoch(1, 0.6, robust, 0.002, 0.001)],
    best: { epoch: 1, valRobustAccuracy: robust }, test: { epoch: 1, cleanAccuracy: 0.61, robustAccuracy: robust, samples: 100 },
  }));
  return d;
}

describe('report', () => {
  it('reads run logs and writes HTML with inline SVG, JSON and a Markdown table', async () => {
    const a = writeRun('varmat-rs', 'varmat', 0.3);
    const b = writeRun('avg-rs', 'avg', 0.25);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const out = join(dir, 'rep');
    expect(await reportCommand([a, b, '--no-curves', '--out', out])).toBe(0);
    log.mockRestore();
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| varmat-rs | varmat | fgsm-rs | 61.00% | 30.00% | 30.00% (2) | 2.000e-3 | 1.000e-3 | 20 s |');
    expect(md).toContain('| avg-rs | avg | fgsm-rs | 61.00% | 25.00% |');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|src=|href=/);
    expect(html).toContain('varmat-rs audiospec');
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json.runs).toHaveLength(2);
    expect(json.definition).toMatch(/clean AND attacked/);
  });

  it('plots curves when given and escapes names', () => {
    const run: ReportRun = { name: 'a<b>', at: 'avg', attack: 'fgsm-ep', modalities: ['x'], history: [], best: null, test: null, seconds: 0, curve: [{ eps: 0.1, robustAccuracy: 0.5 }, { eps: 0.2, robustAccuracy: 0.3 }] };
    const html = reportHtml(buildReport([run], 'T'));
    expect(html).toContain('a&lt;b&gt;');
    expect(html).not.toContain('a<b>');
    expect((html.match(/<circle/g) ?? []).length).toBe(2);
    expect(reportMarkdown(buildReport([run])).split('\n').filter((l) => l.startsWith('|'))).toHaveLength(3);
  });

  it('argument and input errors', async () => {
    expect(() => parseReportArgs([])).toThrowError(/run folder/);
    expect(() => parseReportArgs(['r', '--budgets', 'x'])).toThrowError(/budgets/);
    expect(parseReportArgs(['r']).budgets).toEqual([0.05, 0.1, 0.2, 0.4]);
    await expect(readRun(join(dir, 'nope'))).rejects.toThrowError(/does not exist/);
  });
});
