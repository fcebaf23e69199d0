// `aviso bounces parse FILE...`: classify bounce, complaint and auto-reply messages saved as
// files, one JSON line per file. Reads files only: it never opens the database.
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parseBounce, withRules } from '../channels/email/bounce/index.ts';

export function bouncesCommand(): Command {
  const bounces = new Command('bounces').description(
    'Bounce and complaint messages (DSN, ARF, auto-replies).',
  );

  bounces
    .command('parse <files...>')
    .description('Print, for each message file, one JSON line with the recipients it reports on and why.')
    .option(
      '--explain',
      'add, for each recipient, which rule decided each field (recipient, status, reason, hardBounce), and the rules that applied',
    )
    .action(async (files: string[], options: { explain?: boolean }) => {
      for (const file of files) {
        let raw: Buffer;
        try {
          raw = await readFile(file);
        } catch (err) {
          process.stderr.write(`aviso: cannot read ${file}: ${(err as Error).message}\n`);
          process.exitCode = 1;
          continue;
        }
        const session = { disabled: new Set<string>(), fired: new Set<string>(), explain: true };
        const report = await (options.explain
          ? withRules(session, () => parseBounce(raw))
          : parseBounce(raw));
        const results = report.results.map((r) => ({
          recipient: r.recipient,
          status: r.status,
          replyCode: r.replyCode,
          reason: r.reason,
          hardBounce: r.hardBounce,
          feedbackType: r.feedbackType,
          ...(options.explain ? { explain: r.explain ?? { kind: `a ${report.kind} report` } } : {}),
        }));
        const rules = options.explain ? { kind: report.kind, rules: [...session.fired] } : {};
        process.stdout.write(`${JSON.stringify({ file, results, ...rules })}\n`);
      }
    });

  return bounces;
}
