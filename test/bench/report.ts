import { writeFile } from 'node:fs/promises';
import type { Machine } from './machine.js';

/** A table of raw figures: first row is the header. */
export interface Table {
  caption?: string;
  rows: string[][];
}

/** One of the goals, the figure it is judged on, and whether that figure met it. */
export interface Goal {
  goal: string;
  figure: string;
  met: boolean;
}

/** What one benchmark reports. `notMeasured` replaces figures when a measured piece is missing. */
export interface Section {
  id: string;
  title: string;
  /** Markdown: what is measured, how, and what the baseline contains. */
  method: string;
  tables: Table[];
  goals: Goal[];
  notes: string[];
  notMeasured?: string;
  seconds?: number;
  /** 1-minute load average when the benchmark started. */
  loadAtStart?: number;
}

export interface Report {
  machine: Machine;
  date: Date;
  command: string;
  seconds: number;
  /** Only some benchmarks were asked for. */
  partial: boolean;
  /** 1-minute load average when the run ended. */
  loadAtEnd: number;
  sections: Section[];
}

/** Thrown by a benchmark whose subject has not been built or has not landed yet. */
export class NotMeasuredError extends Error {
  readonly code = 'MESH_PAY_BENCH_NOT_MEASURED';
}

export function renderReport(report: Report): string {
  const { machine } = report;
  const out: string[] = [
    '# Benchmarks',
    '',
    `Written by \`${report.command}\` (test/bench/run.ts) on ${report.date.toISOString()}; the whole run took ` +
      `${Math.round(report.seconds)} s. Our code and each baseline were measured in this one run on this one ` +
      'machine. Figures move between runs and machines: compare ratios, not absolute numbers. ' +
      'Benchmarks never fail on a number; the widget\'s size budget is enforced by its own test.',
    '',
    'Run them all with `npm run bench` (about 5 minutes on 2 cores), or some by name: ' +
      '`npm run bench -- page-weight click-to-link webhook-ack webhook-to-browser fan-out settled-scale` (`BENCH_SETTLED=<n>` sizes the last; default 1,000,000). The code is in `test/bench/`.',
    '',
    ...(report.partial
      ? [`**Partial run:** only ${report.sections.map((s) => s.title).join(', ')}. Run \`npm run bench\` for the whole report.`, '']
      : []),
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${machine.cpu} |`,
    `| Cores | ${machine.cores} |`,
    `| Memory | ${machine.memoryGiB.toFixed(1)} GiB |`,
    `| OS | ${machine.os} |`,
    `| Node | ${machine.node} |`,
    `| Chromium | ${machine.chromium} |`,
    `| fsync (4 KiB, temp dir, median) | ${machine.fsyncMs.toFixed(2)} ms |`,
    `| Load average (1 min) at start / end | ${machine.loadAtStart.toFixed(2)} / ${report.loadAtEnd.toFixed(2)} |`,
    '',
    'A load average near or above the core count means other work shared the CPU during the run: tail latencies suffer first.',
    '',
    '## Goals at a glance',
    '',
    '| Benchmark | Goal | Measured | Met |',
    '|---|---|---|---|',
  ];
  for (const section of report.sections) {
    if (section.notMeasured) {
      out.push(`| ${section.title} | — | not measured: ${escape(section.notMeasured)} | — |`);
      continue;
    }
    for (const goal of section.goals) {
      out.push(`| ${section.title} | ${escape(goal.goal)} | ${escape(goal.figure)} | ${goal.met ? 'yes' : '**no**'} |`);
    }
  }
  for (const section of report.sections) {
    out.push('', `## ${section.title}`, '');
    if (section.seconds !== undefined) {
      const load = section.loadAtStart === undefined ? '' : `; load average ${section.loadAtStart.toFixed(2)} when it started`;
      out.push(`_Took ${section.seconds.toFixed(0)} s${load}._`, '');
    }
    out.push(section.method.trim(), '');
    if (section.notMeasured) {
      out.push(`**Not measured:** ${section.notMeasured}`, '');
    }
    for (const table of section.tables) {
      if (table.caption) out.push(`**${table.caption}**`, '');
      out.push(...renderTable(table.rows), '');
    }
    if (section.goals.length > 0) {
      out.push('| Goal | Measured | Met |', '|---|---|---|');
      for (const goal of section.goals) {
        out.push(`| ${escape(goal.goal)} | ${escape(goal.figure)} | ${goal.met ? 'yes' : '**no**'} |`);
      }
      out.push('');
    }
    for (const note of section.notes) out.push(`- ${note}`);
    if (section.notes.length > 0) out.push('');
  }
  // Scale is proven by tests, not timed here: point at its recorded long-form figures.
  out.push(
    '## Scale',
    '',
    'Many instances, duplicate storms, kill -9 of an instance or of Redis, forgeries and 2,000 open streams are proven by `npm run test:scale` (short form in `npm test`; long form `SCALE=long npm run test:scale -w @mesh-pay/e2e`). Its recorded figures: [test/scale/RESULTS.md](test/scale/RESULTS.md).',
    '',
  );
  return `${out.join('\n').trimEnd()}\n`;
}

function renderTable(rows: string[][]): string[] {
  const [head, ...body] = rows;
  if (!head) return [];
  return [
    `| ${head.map(escape).join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...body.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ];
}

function escape(cell: string): string {
  return cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export async function writeReport(path: string, report: Report): Promise<void> {
  await writeFile(path, renderReport(report));
}
