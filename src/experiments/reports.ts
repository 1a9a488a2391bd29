import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { toHtml } from './html-report.js';
import { toJournal } from './journal.js';
import { toJUnit } from './junit.js';
import type { RunData } from './runner.js';

export interface ReportPaths {
  journal?: string | undefined;
  junit?: string | undefined;
  html?: string | undefined;
}

/** `dir/journal.json`, `dir/junit.xml`, `dir/report.html`, each overridable. */
export function reportPaths(dir: string | undefined, given: ReportPaths = {}): ReportPaths {
  const at = (name: string): string | undefined => (dir === undefined ? undefined : join(dir, name));
  return { journal: given.journal ?? at('journal.json'), junit: given.junit ?? at('junit.xml'), html: given.html ?? at('report.html') };
}

export async function writeReports(data: RunData, paths: ReportPaths): Promise<string[]> {
  const written: string[] = [];
  const put = async (path: string | undefined, text: string): Promise<void> => {
    if (path === undefined) return;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    written.push(path);
  };
  await put(paths.journal, `${JSON.stringify(toJournal(data), null, 2)}\n`);
  await put(paths.junit, toJUnit(data, paths.journal));
  await put(paths.html, toHtml(data));
  return written;
}
