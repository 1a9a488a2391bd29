import { readFile, writeFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { MatrixRun } from './runner.js';

/**
 * `--update`: the observed states become the expectations, written into the file in place.
 * YAML keeps its comments and layout (only the changed scalars move); JSON stays JSON. Cells
 * not judged (broken baseline, errors, not run) keep their expectation.
 */
export async function writeObserved(file: string, run: MatrixRun): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const doc = parseDocument(text);
  const changed: string[] = [];
  for (const c of run.cells) {
    if (c.observed === null || c.observed === c.expected) continue;
    doc.setIn(['expect', c.row, c.feature], c.observed);
    changed.push(`${c.row} × ${c.feature}: ${c.expected} → ${c.observed}`);
  }
  if (changed.length === 0) return changed;
  const json = /^\s*[{[]/.test(text);
  await writeFile(file, json ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString());
  return changed;
}
