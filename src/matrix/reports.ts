import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { matrixHtml } from './html.js';
import { matrixJson } from './json.js';
import { matrixJUnit } from './junit.js';
import type { MatrixRun } from './runner.js';
import { markdownTable } from './markdown.js';

export interface MatrixReportPaths {
  json?: string | undefined;
  markdown?: string | undefined;
  junit?: string | undefined;
  html?: string | undefined;
}

/** `dir/matrix.json`, `dir/matrix.md`, `dir/junit.xml`, `dir/matrix.html`, each overridable. */
export function matrixReportPaths(dir: string | undefined, given: MatrixReportPaths = {}): MatrixReportPaths {
  const at = (name: string): string | undefined => (dir === undefined ? undefined : join(dir, name));
  return { json: given.json ?? at('matrix.json'), markdown: given.markdown ?? at('matrix.md'), junit: given.junit ?? at('junit.xml'), html: given.html ?? at('matrix.html') };
}

export async function writeMatrixReports(run: MatrixRun, paths: MatrixReportPaths): Promise<string[]> {
  const written: string[] = [];
  const put = async (path: string | undefined, text: string): Promise<void> => {
    if (path === undefined) return;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    written.push(path);
  };
  await put(paths.json, `${JSON.stringify(matrixJson(run), null, 2)}\n`);
  await put(paths.markdown, markdownTable(run));
  await put(paths.junit, matrixJUnit(run));
  await put(paths.html, matrixHtml(run));
  return written;
}
