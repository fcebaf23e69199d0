// `aviso templates …`: templates as code (pull a project's templates into a folder, push a
// folder back after review), and the everyday steps without the API: list, show the data a
// template uses, render a preview, publish, roll back, install the starter gallery.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { jobNotifier } from '../delivery/index.ts';
import { createLogger } from '../log.ts';
import { sendTemplateTest } from '../messages/index.ts';
import {
  describeContent,
  getTemplate,
  getVersion,
  installStarters,
  listTemplates,
  listVersions,
  type PushChange,
  previewTemplate,
  publishTemplate,
  pushTemplateFolder,
  readTemplateFolder,
  type TemplateContent,
  type TemplateFolder,
  type TemplateKind,
  writeTemplateFolder,
} from '../templates/index.ts';
import { config, inProject, projectOption, readData } from './common.ts';

const kindOption = () => new Option('--layout', 'act on a layout instead of a template');
const kindOf = (opts: { layout?: boolean }): TemplateKind => (opts.layout ? 'layout' : 'template');

function printChanges(changes: PushChange[], dryRun: boolean) {
  for (const c of changes) {
    if (c.change === 'unchanged') continue;
    const fields = c.fields.length > 0 ? ` (${c.fields.join(', ')})` : '';
    const published = c.published ? `, published as version ${c.published}` : '';
    console.log(`${c.change.padEnd(8)} ${c.kind} ${c.key}${fields}${published}`);
  }
  const count = (kind: PushChange['change']) => changes.filter((c) => c.change === kind).length;
  console.log(
    `${dryRun ? 'would change' : 'changed'}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged`,
  );
}

export function templateCommands(): Command {
  const templates = new Command('templates').description(
    'Templates and layouts: as code (pull/push), preview, publish.',
  );

  templates
    .command('pull <dir>')
    .description(
      'Write every template and layout of the project into <dir> (one folder each), ready for git.',
    )
    .option('--published', 'write the latest published versions instead of the drafts')
    .addOption(projectOption())
    .action((dir: string, opts: { published?: boolean; project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const folder: TemplateFolder = { layouts: [], templates: [] };
        for (const kind of ['layout', 'template'] as const) {
          for (const t of await listTemplates(aviso.db, project.id, kind)) {
            if (opts.published && t.latestVersion === null) continue;
            const content = opts.published
              ? (await getVersion(aviso.db, project.id, kind, t.key, t.latestVersion as number)).content
              : t.draft;
            if (kind === 'layout') folder.layouts.push({ key: t.key, content: content as never });
            else
              folder.templates.push({
                key: t.key,
                content: content as TemplateContent,
                sampleData: t.sampleData,
              });
          }
        }
        const files = await writeTemplateFolder(dir, folder);
        console.log(
          `wrote ${folder.templates.length} templates and ${folder.layouts.length} layouts (${files.length} files) to ${dir}`,
        );
      }),
    );

  templates
    .command('push <dir>')
    .description(
      'Check every template and layout in <dir>, then save them all as drafts (or change nothing and list the problems).',
    )
    .option('--publish', 'also publish what changed')
    .option('--dry-run', 'check and show the changes without saving')
    .addOption(projectOption())
    .action((dir: string, opts: { publish?: boolean; dryRun?: boolean; project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const folder = await readTemplateFolder(dir);
        const changes = await pushTemplateFolder(aviso.db, project.id, folder, {
          publish: opts.publish ?? false,
          dryRun: opts.dryRun ?? false,
        });
        printChanges(changes, opts.dryRun ?? false);
      }),
    );

  templates
    .command('list')
    .description('List templates (or layouts) with their latest version.')
    .addOption(kindOption())
    .addOption(projectOption())
    .action((opts: { layout?: boolean; project?: string }) =>
      inProject(opts, async (aviso, project) => {
        for (const t of await listTemplates(aviso.db, project.id, kindOf(opts))) {
          const version = t.latestVersion === null ? 'unpublished' : `v${t.latestVersion}`;
          const locales = Object.keys(t.draft.locales).join(',');
          console.log(
            `${t.key.padEnd(28)} ${version.padEnd(12)} ${locales.padEnd(12)} ${t.unpublishedChanges ? 'draft has changes' : ''}`,
          );
        }
      }),
    );

  templates
    .command('variables <key>')
    .description('Show the data a template uses (from its draft): each path, whether it is required, where.')
    .addOption(projectOption())
    .action((key: string, opts: { project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const template = await getTemplate(aviso.db, project.id, 'template', key);
        for (const use of (await describeContent(template.draft)).paths) {
          const where = use.locations[0];
          console.log(
            `${use.path.padEnd(36)} ${use.required ? 'required' : 'optional'}  ${where ? `${where.part}:${where.line}:${where.column}` : ''}`,
          );
        }
      }),
    );

  templates
    .command('render <key>')
    .description(
      'Render a preview (draft by default) with the sample data or --data; writes the files to --out or prints JSON.',
    )
    .option('--data <json|@file>', 'the data, as JSON or @path/to/file.json')
    .option('--locale <locale>', 'e.g. es-MX')
    .option('--timezone <zone>', 'e.g. America/Mexico_City')
    .option('--version <n>', 'a published version instead of the draft')
    .option('--out <dir>', 'write email.html, email.txt, sms.txt there')
    .addOption(projectOption())
    .action(
      (
        key: string,
        opts: {
          data?: string;
          locale?: string;
          timezone?: string;
          version?: string;
          out?: string;
          project?: string;
        },
      ) =>
        inProject(opts, async (aviso, project) => {
          const data = await readData(opts.data);
          const preview = await previewTemplate(aviso.db, project.id, key, {
            ...(opts.version ? { version: Number(opts.version) } : {}),
            ...(opts.locale ? { locale: opts.locale } : {}),
            ...(opts.timezone ? { timezone: opts.timezone } : {}),
            ...(data ? { data } : {}),
          });
          if (!opts.out) return console.log(JSON.stringify(preview, null, 2));
          await mkdir(opts.out, { recursive: true });
          const files: [string, string | undefined][] = [
            ['email.html', preview.email?.html],
            ['email.txt', preview.email?.text],
            ['sms.txt', preview.sms?.text],
          ];
          for (const [file, text] of files)
            if (text !== undefined) await writeFile(join(opts.out, file), text);
          console.log(
            `${preview.locale}, ${preview.version === 'draft' ? 'draft' : `version ${preview.version}`}`,
          );
          if (preview.email) console.log(`subject: ${preview.email.subject}`);
          if (preview.sms) console.log(`sms: ${preview.sms.segments} segment(s), ${preview.sms.encoding}`);
        }),
    );

  templates
    .command('test <key>')
    .description('Send the draft (or --version) to one address, rendered with the sample data or --data.')
    .requiredOption('--to <address>', 'where the test goes')
    .option('--from <address>', 'sender (default: AVISO_FROM)')
    .option('--data <json|@file>', 'the data, as JSON or @path/to/file.json')
    .option('--locale <locale>', 'e.g. es-MX')
    .option('--version <n>', 'a published version instead of the draft')
    .addOption(projectOption())
    .action(
      (
        key: string,
        opts: {
          to: string;
          from?: string;
          data?: string;
          locale?: string;
          version?: string;
          project?: string;
        },
      ) => {
        const cfg = config();
        return inProject(opts, async (aviso, project) => {
          const data = await readData(opts.data);
          const message = await sendTemplateTest(aviso.db, cfg, project.id, key, {
            to: opts.to,
            ...(opts.from ? { from: opts.from } : {}),
            ...(opts.version ? { version: Number(opts.version) } : {}),
            ...(opts.locale ? { locale: opts.locale } : {}),
            ...(data ? { data } : {}),
          });
          jobNotifier(aviso.db, createLogger('silent'), 0)(message.priority);
          console.log(
            `accepted ${message.id}: ${message.subject ? `"${message.subject}"` : message.channel} to ${message.to.address} (follow it with GET /v1/messages/${message.id})`,
          );
        });
      },
    );

  templates
    .command('publish <key>')
    .description('Publish the draft as the next version.')
    .addOption(kindOption())
    .addOption(projectOption())
    .action((key: string, opts: { layout?: boolean; project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const v = await publishTemplate(aviso.db, project.id, kindOf(opts), key);
        console.log(`published ${key} version ${v.version}`);
      }),
    );

  templates
    .command('rollback <key> <version>')
    .description('Publish an older version again (as the next version).')
    .addOption(kindOption())
    .addOption(projectOption())
    .action((key: string, version: string, opts: { layout?: boolean; project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const v = await publishTemplate(aviso.db, project.id, kindOf(opts), key, Number(version));
        console.log(`published version ${version} of ${key} again as version ${v.version}`);
      }),
    );

  templates
    .command('versions <key>')
    .description('List published versions, newest first.')
    .addOption(kindOption())
    .addOption(projectOption())
    .action((key: string, opts: { layout?: boolean; project?: string }) =>
      inProject(opts, async (aviso, project) => {
        for (const v of await listVersions(aviso.db, project.id, kindOf(opts), key)) {
          const restored = v.restoredFrom ? ` (restores version ${v.restoredFrom})` : '';
          console.log(`v${v.version}  ${v.publishedAt.toISOString()}${restored}`);
        }
      }),
    );

  templates
    .command('install-starters')
    .description(
      'Install the starter gallery templates the project does not have (new projects get them already).',
    )
    .addOption(projectOption())
    .action((opts: { project?: string }) =>
      inProject(opts, async (aviso, project) => {
        const changes = await installStarters(aviso.db, project.id);
        console.log(
          changes.length
            ? `installed: ${changes.map((c) => c.key).join(', ')}`
            : 'all starters are installed already',
        );
      }),
    );

  return templates;
}
