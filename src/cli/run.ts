// `aviso start | api | worker`: run until a signal, then shut down gracefully. The banner's
// commands work as printed: they name the data folder when it is not the default.
import { join, resolve } from 'node:path';
import { announceRunning, type RunningServices, startServices } from '../app/index.ts';
import { type Config, settings } from '../config/index.ts';
import { createLogger } from '../log.ts';
import { shellWord } from './common.ts';

export async function runServicesCommand(config: Config, parts: { api: boolean; worker: boolean }) {
  const log = createLogger(config.logLevel);
  const services = await startServices(config, log, parts);
  const dataDir = resolve(config.dataDir);
  const forget = announceRunning({
    url: services.url,
    dataDir: services.aviso.embedded ? dataDir : undefined,
  });
  process.once('exit', forget);
  const say = (line = '') => process.stderr.write(`${line}\n`);
  say();
  if (services.url) {
    say(`  Aviso API:  ${services.url}`);
    say(`  API docs:   ${services.url}/docs   (OpenAPI: ${services.url}/openapi.json)`);
  }
  if (services.worker) say(`  Worker:     running (id ${services.worker.id})`);
  say(`  Database:   ${databaseLine(services, dataDir)}`);
  const keys = services.aviso.secrets.source;
  if (keys.kind === 'file') {
    say(`  Master key: ${keys.path}${keys.created ? ' (generated now)' : ''}`);
    say('              Back it up: without it the stored provider credentials, webhook secrets and DKIM');
    say('              keys cannot be read. For several processes or an external DATABASE_URL, set');
    say('              AVISO_MASTER_KEY instead (the same id:key pairs, comma-separated).');
  } else {
    say(`  Master key: AVISO_MASTER_KEY (${services.aviso.secrets.newestKeyId} seals new secrets)`);
  }
  if (parts.worker && !config.smtpUrl) {
    say();
    say('  !!! No email provider is configured (AVISO_SMTP_URL is not set).');
    say('  !!! Messages are CAPTURED, NOT DELIVERED: read them at GET /v1/messages/{id}/raw.');
  }
  say();
  say(`  Create an API key:  ${cliCommand(config, 'keys create')}`);
  say();

  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) {
      log.warn('second signal: exiting at once');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down: finishing in-flight work');
    forget();
    services.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

function databaseLine(services: RunningServices, dataDir: string): string {
  const embedded = services.aviso.embedded;
  if (!embedded) return 'DATABASE_URL';
  const elsewhere =
    embedded.clusterDir === join(dataDir, 'pg')
      ? ''
      : `; its cluster is in ${embedded.clusterDir}, where the "postgres" user can reach it`;
  return `embedded PostgreSQL, data folder ${dataDir}${elsewhere}`;
}

/** A CLI command that reaches this server's data when pasted in the same folder. */
function cliCommand(config: Config, args: string): string {
  if (config.databaseUrl) return `npx aviso ${args}   (with the same DATABASE_URL)`;
  const dataDir = resolve(config.dataDir);
  const isDefault = dataDir === resolve(settings.dataDir.schema.parse(undefined));
  return `${isDefault ? '' : `AVISO_DATA_DIR=${shellWord(dataDir)} `}npx aviso ${args}`;
}
