// `aviso suppressions list | show | add | remove | import`: the suppression list from the
// shell, with the same rules and audit as the API (the actor is recorded as "cli").
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import {
  addSuppressions,
  importSuppressions,
  listSuppressions,
  parseSuppressionCsv,
  removeSuppressions,
  type Stream,
  streams,
  suppressionAddress,
  suppressionsOf,
} from '../suppressions/index.ts';
import { isOneOf, suppressionReasons } from '../vocabulary.ts';
import { inProject, projectOption } from './common.ts';

function streamsOf(value: string | undefined): Stream[] {
  if (value === undefined) return [...streams];
  return [oneOfOrExit('--stream', streams, value)];
}

function oneOfOrExit<T extends string>(option: string, list: readonly T[], value: string): T {
  if (isOneOf(list, value)) return value;
  const choices = `${list.slice(0, -1).join(', ')} or ${list.at(-1)}`;
  process.stderr.write(`aviso: ${option} takes ${choices}, not "${value}"\n`);
  process.exit(2);
}

function recipientOrExit(raw: string): string {
  const address = suppressionAddress(raw, { allowName: true });
  if (!address) {
    process.stderr.write(`aviso: "${raw}" is not an email address or a phone number in E.164\n`);
    process.exit(2);
  }
  return address;
}

export function suppressionCommands(): Command {
  const cmd = new Command('suppressions').description(
    'Recipients not sent to, per stream: list, show, add, remove, import CSV.',
  );
  cmd
    .command('list')
    .description('List suppressions, newest first.')
    .addOption(projectOption())
    .option('--search <text>', 'part of the address, e.g. @example.com')
    .option('--stream <stream>', 'transactional or promotional')
    .option('--reason <reason>', 'hard-bounce, complaint, unsubscribe, soft-bounces or manual')
    .option('--limit <n>', 'how many', '100')
    .action((opts: { project?: string; search?: string; stream?: string; reason?: string; limit: string }) =>
      inProject(opts, async (aviso, project) => {
        const page = await listSuppressions(aviso.db, project.id, {
          ...(opts.search ? { search: opts.search } : {}),
          ...(opts.stream ? { stream: oneOfOrExit('--stream', streams, opts.stream) } : {}),
          ...(opts.reason ? { reason: oneOfOrExit('--reason', suppressionReasons, opts.reason) } : {}),
          limit: Math.max(1, Math.min(10_000, Number(opts.limit) || 100)),
        });
        for (const s of page.data)
          console.log(
            `${s.address}  ${s.stream}  ${s.reason}  ${s.createdAt.toISOString()}  ${s.createdBy}${s.messageId ? `  ${s.messageId}` : ''}`,
          );
      }),
    );
  cmd
    .command('show <address>')
    .description("A recipient's suppressions and their history (who added or removed them, and why).")
    .addOption(projectOption())
    .action((address: string, opts: { project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const found = await suppressionsOf(aviso.db, project.id, recipientOrExit(address));
        if (found.suppressions.length === 0) console.log(`${found.address}: not suppressed`);
        for (const s of found.suppressions)
          console.log(`${s.stream}  ${s.reason}  since ${s.createdAt.toISOString()}`);
        for (const h of found.history)
          console.log(
            `  ${h.at.toISOString()}  ${h.action} ${h.stream} (${h.reason}) by ${h.actor}${h.note ? `: ${h.note}` : ''}`,
          );
      }),
    );
  cmd
    .command('add <address>')
    .description('Suppress a recipient (both streams unless --stream).')
    .addOption(projectOption())
    .option('--stream <stream>', 'transactional or promotional')
    .option('--note <text>', 'why, for the audit')
    .action((address: string, opts: { project?: string; stream?: string; note?: string }) =>
      inProject(opts, async (aviso, project) => {
        const added = await addSuppressions(aviso.db, [
          {
            projectId: project.id,
            address: recipientOrExit(address),
            streams: streamsOf(opts.stream),
            reason: 'manual',
            actor: 'cli',
            note: opts.note ?? null,
          },
        ]);
        console.log(
          added.length ? `suppressed on ${added.map((a) => a.stream).join(', ')}` : 'already suppressed',
        );
      }),
    );
  cmd
    .command('remove <address>')
    .description('Send to a recipient again (both streams unless --stream).')
    .addOption(projectOption())
    .option('--stream <stream>', 'transactional or promotional')
    .option('--note <text>', 'why, for the audit')
    .action((address: string, opts: { project?: string; stream?: string; note?: string }) =>
      inProject(opts, async (aviso, project) => {
        const removed = await removeSuppressions(aviso.db, project.id, recipientOrExit(address), {
          ...(opts.stream ? { stream: oneOfOrExit('--stream', streams, opts.stream) } : {}),
          actor: 'cli',
          note: opts.note ?? null,
        });
        if (removed.length === 0) {
          process.stderr.write('aviso: this recipient is not suppressed (on this stream)\n');
          process.exitCode = 1;
        }
        for (const r of removed) console.log(`removed ${r.stream} (${r.reason})`);
      }),
    );
  cmd
    .command('import <file.csv>')
    .description(
      'Import suppressions: CSV with an address (or email, phone) column, optional stream and note.',
    )
    .addOption(projectOption())
    .action((file: string, opts: { project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const { rows, problems } = parseSuppressionCsv(await readFile(file, 'utf8'));
        const { added } = await importSuppressions(aviso.db, project.id, rows, 'cli', `import of ${file}`);
        for (const p of problems) process.stderr.write(`  ${file}:${p.line}  ${p.message}\n`);
        console.log(`${added} suppression(s) added, ${problems.length} line(s) refused`);
        if (problems.length > 0) process.exitCode = 1;
      }),
    );
  return cmd;
}
