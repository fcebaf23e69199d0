// `aviso projects create | list | set-locale | set-region`.
import { Command } from 'commander';
import { isPhoneRegion } from '../channels/sms/index.ts';
import { createProject, listProjects, setDefaultLocale, setDefaultRegion } from '../projects/index.ts';
import { localeSchema } from '../templates/index.ts';
import { config, projectOrExit, withAviso } from './common.ts';

function localeOrExit(locale: string): string {
  if (!localeSchema.safeParse(locale).success) {
    process.stderr.write(`aviso: "${locale}" is not a locale; write e.g. en, es or es-MX\n`);
    process.exit(2);
  }
  return locale;
}

export function projectCommands(): Command {
  const projects = new Command('projects').description('Manage projects (each with its own keys and data).');
  projects
    .command('create <name>')
    .description('Create a project (with the starter templates, published).')
    .option(
      '--locale <locale>',
      'default locale of its templates, when a send names none or one they lack',
      'en',
    )
    .action((name: string, opts: { locale: string }) =>
      withAviso(config(), async (aviso) => {
        const project = await createProject(aviso.db, name, { defaultLocale: localeOrExit(opts.locale) });
        console.log(`${project.id}  ${project.name}`);
      }),
    );
  projects
    .command('set-locale <project> <locale>')
    .description("Set a project's default locale (the last step of locale fallback: es-MX → es → default).")
    .action((idOrName: string, locale: string) =>
      withAviso(config(), async (aviso) => {
        const project = await projectOrExit(aviso, idOrName);
        await setDefaultLocale(aviso.db, project.id, localeOrExit(locale));
        console.log(`${project.name}: default locale ${locale}`);
      }),
    );
  projects
    .command('set-region <project> <region>')
    .description(
      'Set the country of phone numbers written without a country code (ISO code such as ES or MX; "none": E.164 only).',
    )
    .action((idOrName: string, region: string) =>
      withAviso(config(), async (aviso) => {
        const project = await projectOrExit(aviso, idOrName);
        const code = region.toUpperCase();
        if (code !== 'NONE' && !isPhoneRegion(code)) {
          process.stderr.write(`aviso: "${region}" is not a country code; write e.g. ES, MX or US\n`);
          process.exit(2);
        }
        await setDefaultRegion(aviso.db, project.id, code === 'NONE' ? null : code);
        console.log(`${project.name}: default region ${code === 'NONE' ? 'none' : code}`);
      }),
    );
  projects
    .command('list')
    .description('List projects.')
    .action(() =>
      withAviso(config(), async (aviso) => {
        for (const p of await listProjects(aviso.db))
          console.log(
            `${p.id}  ${p.name}  ${p.defaultLocale}  ${p.defaultRegion ?? '-'}${p.isDefault ? '  (default)' : ''}`,
          );
      }),
    );
  return projects;
}
