// `aviso domains add | list`: sending domains and every DNS record they need (DKIM, SPF,
// DMARC, the return path), with the relays and bounce domain this installation uses.
import { Command } from 'commander';
import type { OpenAviso } from '../app/index.ts';
import {
  addDomain,
  DomainError,
  dnsRecords,
  listDomains,
  type MailSetup,
  type SendingDomain,
} from '../channels/email/index.ts';
import type { Config } from '../config/index.ts';
import type { Project } from '../projects/index.ts';
import { listProviders } from '../providers/index.ts';
import { config, projectOption, projectOrExit, withAviso } from './common.ts';

/** Where the project's mail leaves from and where its bounces come back, for SPF and MX. */
async function mailSetup(aviso: OpenAviso, project: Project, settings: Config): Promise<MailSetup> {
  const urls = (await listProviders(aviso.db, aviso.secrets, project.id, 'email'))
    .filter((p) => p.type === 'smtp' && p.enabled)
    .map((p) => String(p.config.url));
  if (settings.smtpUrl) urls.push(settings.smtpUrl);
  const relayHosts = urls.map((u) => URL.parse(u)?.hostname).filter((h): h is string => Boolean(h));
  const listens = settings.bounceSmtpPort !== undefined && settings.publicUrl;
  return {
    bounceDomain: settings.bounceDomain,
    relayHosts,
    bounceListenerHost: listens ? URL.parse(settings.publicUrl as string)?.hostname : undefined,
  };
}

function printRecords(d: SendingDomain, setup: MailSetup) {
  const records = dnsRecords(d, setup);
  console.log(`${d.domain}: publish these ${records.length} DNS records`);
  for (const r of records) {
    console.log(`  ${r.purpose}: ${r.name} IN ${r.type} ${r.value}`);
    console.log(`    why: ${r.why}`);
  }
}

export function domainCommands(): Command {
  const domains = new Command('domains').description(
    'Manage sending domains: DKIM keys and the DNS records to publish.',
  );
  domains
    .command('add <domain>')
    .description('Add a sending domain: generates a 2048-bit DKIM key and prints every DNS record it needs.')
    .option('-s, --selector <selector>', 'DKIM selector', 'aviso')
    .addOption(projectOption())
    .action((domain: string, opts: { selector: string; project?: string }) => {
      const settings = config();
      return withAviso(settings, async (aviso) => {
        const project = await projectOrExit(aviso, opts.project);
        try {
          const added = await addDomain(aviso.db, aviso.secrets, project.id, domain, opts.selector);
          printRecords(added, await mailSetup(aviso, project, settings));
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          process.stderr.write(`aviso: ${err.message}\n`);
          process.exitCode = 2;
        }
      });
    });
  domains
    .command('list')
    .description('List sending domains with the DNS records each needs.')
    .addOption(projectOption())
    .action((opts: { project?: string }) => {
      const settings = config();
      return withAviso(settings, async (aviso) => {
        const project = await projectOrExit(aviso, opts.project);
        const found = await listDomains(aviso.db, project.id);
        if (found.length === 0) {
          const flag = project.isDefault ? '' : ` --project ${project.name}`;
          console.log(
            `Project ${project.name} has no sending domains yet; add one with: aviso domains add example.com${flag}`,
          );
          return;
        }
        const setup = await mailSetup(aviso, project, settings);
        for (const d of found) printRecords(d, setup);
      });
    });
  return domains;
}
