// `aviso domains add | list`: sending domains and the DKIM records to publish.
import { Command } from 'commander';
import { addDomain, DomainError, listDomains, type SendingDomain } from '../channels/email/index.ts';
import { config, projectOption, projectOrExit, withAviso } from './common.ts';

function printRecord(d: SendingDomain) {
  console.log(`${d.domain}: publish this DNS TXT record to sign its mail with DKIM`);
  console.log(`  ${d.dnsName}. IN TXT ${d.dnsValue}`);
}

export function domainCommands(): Command {
  const domains = new Command('domains').description('Manage sending domains and their DKIM keys.');
  domains
    .command('add <domain>')
    .description('Add a sending domain: generates a 2048-bit DKIM key and prints the TXT record.')
    .option('-s, --selector <selector>', 'DKIM selector', 'aviso')
    .addOption(projectOption())
    .action((domain: string, opts: { selector: string; project?: string }) =>
      withAviso(config(), async (aviso) => {
        const project = await projectOrExit(aviso, opts.project);
        try {
          printRecord(await addDomain(aviso.db, aviso.secrets, project.id, domain, opts.selector));
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          process.stderr.write(`aviso: ${err.message}\n`);
          process.exitCode = 2;
        }
      }),
    );
  domains
    .command('list')
    .description('List sending domains with their DKIM records.')
    .addOption(projectOption())
    .action((opts: { project?: string }) =>
      withAviso(config(), async (aviso) => {
        const project = await projectOrExit(aviso, opts.project);
        for (const d of await listDomains(aviso.db, project.id)) printRecord(d);
      }),
    );
  return domains;
}
