// Failed-address recall and precision on a second collection: the bounces GNU Mailman's
// detector library keeps as its test data (Debian: python3-flufl.bounce), through Aviso's CLI.
// The same figures are part of npm test (test/bounce-recipients.test.ts) when it is installed.
//
//   npx tsx scripts/bounce-diff/flufl.ts [--misses] [ROOT]
import {
  fluflExpectations,
  fluflFiles,
  fluflRoot,
  scoreRecipients,
} from '../../test/helpers/flufl-collection.ts';
import { runAviso } from './run.ts';

const args = process.argv.slice(2);
const root = args.find((a) => !a.startsWith('--')) ?? fluflRoot;
const answers = runAviso(fluflFiles(root));
const reported = new Map([...answers].map(([path, results]) => [path, results.map((r) => r.recipient)]));
const s = scoreRecipients(fluflExpectations(root), reported);
const pct = (n: number, of: number) => `${((100 * n) / (of || 1)).toFixed(1)} %`;
console.log(
  `failed addresses: ${s.wanted}; recall ${pct(s.found, s.wanted)} (${s.found}), precision ${pct(s.right, s.reported)} (${s.right} of ${s.reported} reported)`,
);
if (args.includes('--misses')) console.log(s.misses.join('\n'));
