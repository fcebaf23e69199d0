// `aviso providers add | list | show | set | remove` and `aviso whatsapp templates sync | list`:
// the same operations and checks as /v1/providers.
import { Command } from 'commander';
import type { OpenAviso } from '../app/index.ts';
import { ApiError, parseWith } from '../errors/index.ts';
import { providerDestinations } from '../net/index.ts';
import {
  createProvider,
  deleteProvider,
  getProvider,
  listProviders,
  listWhatsAppTemplates,
  type ProviderRow,
  providerInputSchema,
  providerPatchSchema,
  providerTypeNames,
  providerView,
  syncWhatsAppTemplates,
  updateProvider,
} from '../providers/index.ts';
import { config, inProject, projectOption, readData } from './common.ts';

interface AddOptions {
  type: string;
  channel?: string;
  config?: string;
  position?: string;
  rateLimit?: string;
  disabled?: boolean;
  project?: string;
}

const publicUrl = () => {
  const cfg = config();
  return cfg.publicUrl ?? `http://${cfg.host}:${cfg.port}`;
};

function print(row: ProviderRow): void {
  console.log(JSON.stringify(providerView(row, publicUrl()), null, 2));
}

export function providerCommands(): Command {
  const providers = new Command('providers').description(
    'Configure the providers of each channel (several per channel: the next one is the failover).',
  );
  providers
    .command('add <name>')
    .description('Add a provider.')
    .requiredOption('-t, --type <type>', `one of ${providerTypeNames.join(', ')}`)
    .option('-c, --config <json>', 'its settings: JSON, or @file.json')
    .option('--channel <channel>', 'email, sms or whatsapp (for capture)')
    .option('--position <n>', 'lower goes first (default: after the others)')
    .option('--rate-limit <n>', 'messages per second (default per type)')
    .option('--disabled', 'add it switched off')
    .addOption(projectOption())
    .action((name: string, opts: AddOptions) =>
      inProject(opts, async (aviso, project) => {
        const input = parseWith(providerInputSchema, {
          name,
          type: opts.type,
          ...(opts.channel ? { channel: opts.channel } : {}),
          config: (await readData(opts.config)) ?? {},
          ...(opts.position ? { position: Number(opts.position) } : {}),
          ...(opts.rateLimit ? { rateLimit: Number(opts.rateLimit) } : {}),
          enabled: !opts.disabled,
        });
        const row = await createProvider(
          aviso.db,
          aviso.secrets,
          project.id,
          input,
          providerDestinations(config()),
        );
        print(row);
        if (row.type === 'whatsapp') {
          console.error(
            `Next: enter ${providerView(row, publicUrl()).callbackUrl} as the webhook URL of the Meta app, then run "aviso whatsapp templates sync".`,
          );
        }
      }),
    );
  providers
    .command('list')
    .description('List providers, per channel in failover order.')
    .addOption(projectOption())
    .action((opts: { project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const rows = await listProviders(aviso.db, aviso.secrets, project.id);
        if (rows.length === 0)
          console.log('no providers: email, SMS and WhatsApp go to the capture provider');
        for (const r of rows) {
          console.log(
            `${r.channel.padEnd(9)}${String(r.position).padStart(3)}  ${r.name.padEnd(20)} ${r.type.padEnd(9)} ${r.enabled ? 'on ' : 'off'}  ${r.rateLimit ? `${r.rateLimit}/s` : 'no limit'}  ${r.id}`,
          );
        }
      }),
    );
  providers
    .command('show <provider>')
    .description('Show one provider (secrets masked) and its callback URL.')
    .addOption(projectOption())
    .action((idOrName: string, opts: { project?: string }) =>
      inProject(opts, async (aviso, project) => {
        print(await getProvider(aviso.db, aviso.secrets, project.id, idOrName));
      }),
    );
  providers
    .command('set <provider>')
    .description('Change a provider: --config is merged into its settings.')
    .option('-c, --config <json>', 'settings to change: JSON, or @file.json')
    .option('--position <n>', 'lower goes first')
    .option('--rate-limit <n>', 'messages per second')
    .option('--enable', 'switch it on')
    .option('--disable', 'switch it off')
    .addOption(projectOption())
    .action(
      (
        idOrName: string,
        opts: {
          config?: string;
          position?: string;
          rateLimit?: string;
          enable?: boolean;
          disable?: boolean;
          project?: string;
        },
      ) =>
        inProject(opts, async (aviso, project) => {
          const patch = parseWith(providerPatchSchema, {
            ...(opts.config ? { config: await readData(opts.config) } : {}),
            ...(opts.position ? { position: Number(opts.position) } : {}),
            ...(opts.rateLimit ? { rateLimit: Number(opts.rateLimit) } : {}),
            ...(opts.enable ? { enabled: true } : opts.disable ? { enabled: false } : {}),
          });
          print(
            await updateProvider(
              aviso.db,
              aviso.secrets,
              project.id,
              idOrName,
              patch,
              providerDestinations(config()),
            ),
          );
        }),
    );
  providers
    .command('remove <provider>')
    .description('Remove a provider.')
    .addOption(projectOption())
    .action((idOrName: string, opts: { project?: string }) =>
      inProject(opts, async (aviso, project) => {
        await deleteProvider(aviso.db, aviso.secrets, project.id, idOrName);
        console.log(`removed ${idOrName}`);
      }),
    );
  return providers;
}

export function whatsappCommands(): Command {
  const whatsapp = new Command('whatsapp').description('WhatsApp Cloud API helpers.');
  const templates = whatsapp
    .command('templates')
    .description('The approved templates, as WhatsApp knows them.');
  const providerOption = '--provider <name>';
  const pick = async (aviso: OpenAviso, projectId: string, name?: string) => {
    if (name) return getProvider(aviso.db, aviso.secrets, projectId, name);
    const first = (await listProviders(aviso.db, aviso.secrets, projectId, 'whatsapp')).find(
      (p) => p.type === 'whatsapp',
    );
    if (!first) {
      throw new ApiError(
        'provider_not_found',
        'This project has no WhatsApp provider (aviso providers add … --type whatsapp).',
      );
    }
    return first;
  };
  templates
    .command('sync')
    .description(
      'Fetch the templates and their statuses from WhatsApp; sends are checked against them when accepted.',
    )
    .option(providerOption, 'the WhatsApp provider (default: the first)')
    .addOption(projectOption())
    .action((opts: { provider?: string; project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const provider = await pick(aviso, project.id, opts.provider);
        const count = await syncWhatsAppTemplates(aviso.db, provider, providerDestinations(config()));
        const list = await listWhatsAppTemplates(aviso.db, provider);
        const approved = list.filter((t) => t.status === 'APPROVED').length;
        console.log(`synced ${count} templates from ${provider.name}: ${approved} approved`);
        for (const t of list) console.log(`  ${t.status.padEnd(9)} ${t.name} (${t.language})`);
      }),
    );
  templates
    .command('list')
    .description('The templates known from the last sync.')
    .option(providerOption, 'the WhatsApp provider (default: the first)')
    .addOption(projectOption())
    .action((opts: { provider?: string; project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const provider = await pick(aviso, project.id, opts.provider);
        const list = await listWhatsAppTemplates(aviso.db, provider);
        if (list.length === 0) console.log('none known: run "aviso whatsapp templates sync"');
        for (const t of list) {
          console.log(
            `${t.status.padEnd(9)} ${t.name} (${t.language})  parameters: header ${t.parameters.header}, body ${t.parameters.body}, buttons ${t.parameters.buttons}  synced ${t.syncedAt}`,
          );
        }
      }),
    );
  return whatsapp;
}
