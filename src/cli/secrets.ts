// `aviso secrets status | rotate | retire`: the master keys that seal the stored secrets. With
// the keyring file, rotate adds a key to it; with AVISO_MASTER_KEY, the operator adds keys and
// is told what to write. A key is retired only once nothing is sealed with it.
import { Command } from 'commander';
import { countStoredSecrets, type OpenAviso, resealWithNewestKey, type SecretKind } from '../app/index.ts';
import { generateMasterKey, masterKeySettingEntry, writeKeyringFile } from '../secrets/index.ts';
import { config, withAviso } from './common.ts';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

function describeCounts(counts: Map<SecretKind, number>): string {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return 'no secrets';
  return `${plural(total, 'secret')} (${[...counts].map(([kind, n]) => plural(n, kind)).join(', ')})`;
}

function where(aviso: OpenAviso): string {
  const { source } = aviso.secrets;
  return source.kind === 'file' ? `the keyring file ${source.path}` : 'AVISO_MASTER_KEY';
}

function refuse(message: string): void {
  process.stderr.write(`aviso: ${message}\n`);
  process.exitCode = 2;
}

async function status(aviso: OpenAviso): Promise<void> {
  const census = await countStoredSecrets(aviso.db);
  console.log(`Master keys, from ${where(aviso)} (oldest first):`);
  const newest = aviso.secrets.newestKeyId;
  for (const key of aviso.secrets.keys) {
    const count = census.sealed.get(key.id)?.count ?? 0;
    const added = key.createdAt ? `  added ${key.createdAt}` : '';
    const role = key.id === newest ? '  (newest: seals new secrets)' : '';
    console.log(`  ${key.id.padEnd(10)} seals ${plural(count, 'secret')}${added}${role}`);
  }
  if (census.plaintext > 0) console.log(`${plural(census.plaintext, 'secret')} not sealed yet`);
}

async function rotate(aviso: OpenAviso): Promise<void> {
  const { source } = aviso.secrets;
  if (source.kind === 'file') {
    const key = generateMasterKey();
    writeKeyringFile(source.path, { keys: [...aviso.secrets.keys, key] });
    aviso.secrets.refresh();
    console.log(`added master key ${key.id} to ${source.path}: back the file up again`);
  }
  const newest = aviso.secrets.newestKeyId;
  const counts = await resealWithNewestKey(aviso.db, aviso.secrets);
  console.log(`re-sealed ${describeCounts(counts)} with master key ${newest}`);
  if (source.kind === 'setting' && counts.size === 0) {
    const next = generateMasterKey();
    console.log(
      `Every secret is sealed with ${newest}, the newest key of AVISO_MASTER_KEY. To rotate, add a new key at the end of AVISO_MASTER_KEY in every Aviso process (keep the others), restart them, then run "npx aviso secrets rotate" again. A new key:\n  AVISO_MASTER_KEY="$AVISO_MASTER_KEY,${masterKeySettingEntry(next)}"`,
    );
  }
  const older = aviso.secrets.keys.filter((k) => k.id !== newest).map((k) => k.id);
  if (older.length > 0)
    console.log(`no secret needs ${older.join(', ')} any more: "npx aviso secrets retire <id>" removes one`);
}

async function retire(aviso: OpenAviso, id: string): Promise<void> {
  const { secrets } = aviso;
  if (!secrets.keys.some((k) => k.id === id))
    return refuse(`there is no master key "${id}" in ${where(aviso)} (see: npx aviso secrets status)`);
  if (id === secrets.newestKeyId)
    return refuse(`master key "${id}" is the newest: it seals new secrets; rotate to a newer one first`);
  const count = (await countStoredSecrets(aviso.db)).sealed.get(id)?.count ?? 0;
  if (count > 0)
    return refuse(
      `master key "${id}" still seals ${plural(count, 'secret')}: run "npx aviso secrets rotate" first, then retire it`,
    );
  if (secrets.source.kind === 'file') {
    writeKeyringFile(secrets.source.path, { keys: secrets.keys.filter((k) => k.id !== id) });
    console.log(`retired master key ${id}: removed from ${secrets.source.path}`);
  } else {
    console.log(
      `nothing is sealed with master key ${id}: remove it from AVISO_MASTER_KEY in every Aviso process`,
    );
  }
}

export function secretsCommands(): Command {
  const secrets = new Command('secrets').description(
    'The master keys that seal stored secrets (provider credentials, webhook secrets, DKIM keys, link-signing key).',
  );
  secrets
    .command('status')
    .description('Show the master keys and how many secrets each one seals.')
    .action(() => withAviso(config(), status));
  secrets
    .command('rotate')
    .description(
      'Re-seal every secret with a new master key (keyring file: added to it; AVISO_MASTER_KEY: the newest key given).',
    )
    .option('--retire <id>', 'then remove this older key (refused while a secret is sealed with it)')
    .action((opts: { retire?: string }) =>
      withAviso(config(), async (aviso) => {
        await rotate(aviso);
        if (opts.retire !== undefined) await retire(aviso, opts.retire);
      }),
    );
  secrets
    .command('retire <id>')
    .description('Remove a master key that no secret is sealed with any more (refused otherwise).')
    .action((id: string) => withAviso(config(), (aviso) => retire(aviso, id)));
  return secrets;
}
