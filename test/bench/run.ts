/**
 * `npm run bench [-- <name> ...]`: runs the benchmarks (all, or those named), then writes
 * BENCHMARKS.md at the repository root. Never fails on a number: the exit code is non-zero only
 * when a benchmark crashed.
 */
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { describeMachine } from './machine.js';
import { NotMeasuredError, writeReport, type Section } from './report.js';

type Measure = () => Promise<Section>;

const benchmarks: Record<string, { title: string; load: () => Promise<Measure> }> = {
  'page-weight': { title: '1. Page weight', load: async () => (await import('./page-weight.js')).measure },
  'click-to-link': { title: '2. Press to Link visible', load: async () => (await import('./click-to-link.js')).measure },
  'webhook-ack': { title: '3. Webhook ack', load: async () => (await import('./webhook-ack.js')).measure },
  'webhook-to-browser': {
    title: '4. Webhook to browser',
    load: async () => (await import('./webhook-to-browser.js')).measure,
  },
  'fan-out': { title: '5. Fan-out', load: async () => (await import('./fan-out.js')).measure },
  'settled-scale': { title: '6. A million settled payments', load: async () => (await import('./settled-scale.js')).measure },
};

const reportPath = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));

async function main(): Promise<number> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in benchmarks));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(benchmarks).join(', ')}`);
    return 2;
  }
  const names = asked.length > 0 ? asked : Object.keys(benchmarks);
  const started = performance.now();
  const date = new Date();
  const machine = await describeMachine();
  const sections: Section[] = [];
  let crashed = false;

  for (const name of names) {
    const entry = benchmarks[name]!;
    const t0 = performance.now();
    const loadAtStart = loadavg()[0] ?? Number.NaN;
    console.log(`bench: ${name} … (load average ${loadAtStart.toFixed(2)})`);
    let section: Section;
    try {
      section = await (await entry.load())();
    } catch (error) {
      const err = error as Error;
      const expected = err instanceof NotMeasuredError;
      if (!expected) {
        crashed = true;
        console.error(err);
      }
      section = {
        id: name,
        title: entry.title,
        method: '',
        tables: [],
        goals: [],
        notes: [],
        notMeasured: expected ? err.message : `the benchmark crashed: ${err.message.split('\n')[0]}`,
      };
    }
    section.seconds = (performance.now() - t0) / 1000;
    section.loadAtStart = loadAtStart;
    sections.push(section);
    console.log(`bench: ${name} done in ${section.seconds.toFixed(1)} s${section.notMeasured ? ` (not measured: ${section.notMeasured})` : ''}`);
    for (const goal of section.goals) console.log(`  ${goal.met ? 'met ' : 'MISS'} ${goal.goal}: ${goal.figure}`);
  }

  const command = asked.length > 0 ? `npm run bench -- ${asked.join(' ')}` : 'npm run bench';
  await writeReport(reportPath, { machine, date, command, seconds: (performance.now() - started) / 1000, loadAtEnd: loadavg()[0] ?? Number.NaN, partial: asked.length > 0, sections });
  console.log(`bench: wrote ${reportPath}${asked.length > 0 ? ' (partial: only the benchmarks named)' : ''}`);
  return crashed ? 1 : 0;
}

process.exitCode = await main();
