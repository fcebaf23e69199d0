// Who failed, on a second collection of real bounces: GNU Mailman's detector test data
// (mailing-list operations, 131 failed addresses; Debian: python3-flufl.bounce, installed by
// .ci/run). Only addresses are compared: recall (the failed addresses found) and precision
// (the addresses reported that did fail). BOUNCE_MISSES=1 lists the differences.
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { parseBounce } from '../src/channels/email/bounce/index.ts';
import {
  fluflExpectations,
  fluflFiles,
  fluflInstalled,
  scoreRecipients,
} from './helpers/flufl-collection.ts';

const percent = (n: number, of: number) => `${((100 * n) / (of || 1)).toFixed(1)} %`;

it('finds the failed addresses of mailing-list bounces, and only those', async (ctx) => {
  ctx.skip(!fluflInstalled(), 'no flufl.bounce test data: apt-get install python3-flufl.bounce');
  const reported = new Map<string, string[]>();
  for (const file of fluflFiles()) {
    const report = await parseBounce(await readFile(file));
    reported.set(
      file,
      report.results.map((r) => r.recipient),
    );
  }
  const s = scoreRecipients(fluflExpectations(), reported);
  console.log(
    `failed addresses: ${s.wanted}; recall ${percent(s.found, s.wanted)}, precision ${percent(s.right, s.reported)} (${s.right} of ${s.reported} reported)`,
  );
  if (process.env.BOUNCE_MISSES === '1') console.log(s.misses.join('\n'));
  expect(s.wanted).toBeGreaterThan(100);
  expect(s.found / s.wanted).toBeGreaterThanOrEqual(0.97);
  expect(s.right / s.reported).toBeGreaterThanOrEqual(0.97);
});
