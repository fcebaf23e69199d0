// The `aviso` command. Each subcommand opens what it needs and closes it again; `start`,
// `api` and `worker` run until SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, settingsHelp } from '../config/index.ts';
import { createLogger } from '../log.ts';
import { MasterKeyError } from '../secrets/index.ts';
import { bouncesCommand } from './bounces.ts';
import { config, withAviso } from './common.ts';
import { domainCommands } from './domains.ts';
import { keyCommands } from './keys.ts';
import { projectCommands } from './projects.ts';
import { providerCommands, whatsappCommands } from './providers.ts';
import { runServicesCommand } from './run.ts';
import { secretsCommands } from './secrets.ts';
import { sendCommand } from './send.ts';
import { suppressionCommands } from './suppressions.ts';
import { templateCommands } from './templates.ts';

// Every setting with its default and text, after the help of the commands that read them all.
const settingsHelpText = `\n${settingsHelp()}`;

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('aviso')
  .description('Transactional messaging: email, SMS and WhatsApp from one API.')
  .version(version, '-V, --version', 'print the version of Aviso')
  .showHelpAfterError()
  .addHelpText('after', settingsHelpText);

program
  .command('start')
  .description('Run the API and a delivery worker (embedded PostgreSQL unless DATABASE_URL is set).')
  .addHelpText('after', settingsHelpText)
  .action(() => runServicesCommand(config(), { api: true, worker: true }));

program
  .command('api')
  .description('Run only the HTTP API (scale out: several api and worker processes on one PostgreSQL).')
  .addHelpText('after', settingsHelpText)
  .action(() => runServicesCommand(config(), { api: true, worker: false }));

program
  .command('worker')
  .description('Run only a delivery worker.')
  .addHelpText('after', settingsHelpText)
  .action(() => runServicesCommand(config(), { api: false, worker: true }));

program
  .command('migrate')
  .description('Apply pending database migrations (start, api and worker do it too).')
  .action(() =>
    withAviso(config(), async (aviso) => {
      const applied = aviso.migrationsApplied;
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    }),
  );

program.addCommand(keyCommands());
program.addCommand(projectCommands());
program.addCommand(domainCommands());
program.addCommand(sendCommand());
program.addCommand(templateCommands());
program.addCommand(providerCommands());
program.addCommand(whatsappCommands());
program.addCommand(suppressionCommands());
program.addCommand(bouncesCommand());
program.addCommand(secretsCommands());

program.parseAsync(process.argv).catch((err) => {
  // The operator's to fix, and the message says how: no stack trace.
  if (err instanceof ConfigError || err instanceof MasterKeyError) {
    process.stderr.write(`aviso: ${err.message}\n`);
    process.exit(2);
  }
  const log = createLogger('error');
  log.error({ err }, 'command failed');
  process.stderr.write(`aviso: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
