// A Vitest reporter that ends the run by saying which tests were skipped on purpose and why:
// every test skipped with `ctx.skip(condition, note)` is listed under its note (say, the missing
// program and how to install it), so a run that skipped something never looks like a full one.
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export interface SkippedTest {
  name: string;
  note: string;
}

/** One line per note with its count, then the tests it skipped; empty when none was. */
export function skipSummary(skipped: SkippedTest[]): string {
  const byNote = new Map<string, string[]>();
  for (const test of skipped) byNote.set(test.note, [...(byNote.get(test.note) ?? []), test.name]);
  return [...byNote]
    .map(([note, names]) =>
      [
        `Skipped ${names.length} test${names.length === 1 ? '' : 's'}: ${note}`,
        ...names.map((n) => `  ${n}`),
      ].join('\n'),
    )
    .join('\n');
}

export default class SkipNotesReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: SkippedTest[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests('skipped')) {
        const result = test.result();
        // Tests left out by a filter (-t, .only) carry no note and are not worth a word.
        if (result.state === 'skipped' && result.note) {
          skipped.push({
            name: `${relative(module.project.config.root, module.moduleId)} > ${test.fullName}`,
            note: result.note,
          });
        }
      }
    }
    const summary = skipSummary(skipped);
    if (summary) process.stdout.write(`\n${summary}\n`);
  }
}
