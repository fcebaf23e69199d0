// `aviso keys create | list | revoke`.
import { Command } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey } from '../projects/index.ts';
import { config, projectOption, projectOrExit, withAviso } from './common.ts';

export function keyCommands(): Command {
  const keys = new Command('keys').description('Manage API keys.');
  keys
    .command('create')
    .description('Create an API key. It is shown once, alone on the last line of the output.')
    .option('-n, --name <name>', 'a label to recognise the key by', 'default')
    .addOption(projectOption())
    .action((opts: { name: string; project?: string }) =>
      withAviso(config(), async (aviso) => {
        const project = await projectOrExit(aviso, opts.project);
        const { info, key } = await createApiKey(aviso.db, project.id, opts.name);
        process.stderr.write(
          `Created key ${info.id} "${info.name}" for project ${project.name}. Store it now: it is not shown again.\n`,
        );
        process.stdout.write(`${key}\n`);
      }),
    );
  keys
    .command('list')
    .description('List API keys (their prefixes, never the keys).')
    .addOption(projectOption())
    .action((opts: { project?: string }) =>
      withAviso(config(), async (aviso) => {
        const project = await projectOrExit(aviso, opts.project);
        for (const k of await listApiKeys(aviso.db, project.id)) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          console.log(`${k.id}  ${k.prefix}…  ${k.name}  created ${k.createdAt.toISOString()}  ${state}`);
        }
      }),
    );
  keys
    .command('revoke <id-or-prefix>')
    .description('Revoke a key: it stops working within seconds.')
    .action((idOrPrefix: string) =>
      withAviso(config(), async (aviso) => {
        const revoked = await revokeApiKey(aviso.db, idOrPrefix);
        if (!revoked) {
          process.stderr.write(`aviso: no active key "${idOrPrefix}"\n`);
          process.exitCode = 2;
          return;
        }
        console.log(`revoked ${revoked.id} (${revoked.prefix}…)`);
      }),
    );
  return keys;
}
