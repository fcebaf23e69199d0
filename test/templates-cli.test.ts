// Templates as code through the real CLI (`node bin/aviso.js templates …`) on a test
// database: pull writes the readable folder, push validates everything before changing
// anything and prints what changed, --publish publishes it.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultProject } from '../src/projects/projects.ts';
import { findTemplate } from '../src/templates/store.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

const run = promisify(execFile);
let database: TestDatabase;
let dir: string;

async function aviso(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/aviso.js', ...args], {
      env: { ...process.env, DATABASE_URL: database.url, AVISO_LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'aviso-templates-'));
});

afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('aviso templates pull / push', () => {
  it('pulls the starter gallery into one readable folder per template', async () => {
    const pulled = await aviso('templates', 'pull', dir);
    expect(pulled.stderr).toBe('');
    expect(pulled.stdout).toMatch(/wrote \d+ templates and 1 layouts/);
    const templates = await readdir(join(dir, 'templates'));
    expect(templates).toEqual(
      expect.arrayContaining(['order-confirmation', 'two-factor-code', 'password-reset']),
    );
    const order = join(dir, 'templates', 'order-confirmation');
    expect((await readdir(order)).sort()).toEqual(['en', 'es', 'sample-data.json', 'template.json']);
    expect(await readdir(join(order, 'es'))).toContain('email.mjml');
    const meta = JSON.parse(await readFile(join(order, 'template.json'), 'utf8'));
    expect(meta).toMatchObject({ category: 'transactional', layout: 'default' });
    expect(meta.locales.es.email.subject).toBeTypeOf('string');
    expect(await readdir(join(dir, 'layouts', 'default', 'en'))).toContain('email.mjml');

    const again = await aviso('templates', 'push', dir);
    expect(again.stdout).toContain('0 created, 0 updated');
  });

  it('refuses a folder with errors and changes nothing', async () => {
    const file = join(dir, 'templates', 'password-reset', 'en', 'email.mjml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, `${original}\n{% if broken %}`);
    const subjectFile = join(dir, 'templates', 'order-confirmation', 'template.json');
    const meta = JSON.parse(await readFile(subjectFile, 'utf8'));
    meta.locales.en.email.subject = 'Changed {{ order.number }}';
    await writeFile(subjectFile, JSON.stringify(meta, null, 2));

    const pushed = await aviso('templates', 'push', dir);
    expect(pushed.code).toBe(2);
    expect(pushed.stderr).toContain('templates/password-reset: locales.en.email.mjml');
    expect(pushed.stderr).toContain('template_invalid');
    const project = await ensureDefaultProject(database.db);
    const order = await findTemplate(database.db, project.id, 'template', 'order-confirmation');
    expect(order?.draft.locales.en?.email?.subject).not.toBe('Changed {{ order.number }}');

    await writeFile(file, original);
    const dry = await aviso('templates', 'push', dir, '--dry-run');
    expect(dry.stdout).toContain('updated  template order-confirmation (locales.en.email.subject)');
    expect(dry.stdout).toContain('would change: 0 created, 1 updated');
    expect(
      (await findTemplate(database.db, project.id, 'template', 'order-confirmation'))?.unpublishedChanges,
    ).toBe(false);

    const published = await aviso('templates', 'push', dir, '--publish');
    expect(published.stdout).toMatch(
      /updated {2}template order-confirmation \(locales\.en\.email\.subject\), published as version 2/,
    );
    const after = await findTemplate(database.db, project.id, 'template', 'order-confirmation');
    expect(after).toMatchObject({ latestVersion: 2, unpublishedChanges: false });
  });

  it('renders a preview to files and lists versions', async () => {
    const out = join(dir, 'preview');
    const rendered = await aviso('templates', 'render', 'two-factor-code', '--locale', 'es', '--out', out);
    expect(rendered.stderr).toBe('');
    expect(rendered.stdout).toMatch(/^es, draft/);
    expect(rendered.stdout).toMatch(/sms: 1 segment\(s\)/);
    expect(await readdir(out)).toEqual(expect.arrayContaining(['email.html', 'email.txt', 'sms.txt']));
    const unset = await aviso('templates', 'render', 'two-factor-code', '--locale', 'fr', '--out', out);
    expect(unset.stdout).toMatch(/^en, draft/);
    expect((await aviso('projects', 'set-locale', 'default', 'es')).stdout).toContain('default locale es');
    const fallback = await aviso('templates', 'render', 'two-factor-code', '--locale', 'fr', '--out', out);
    expect(fallback.stdout).toMatch(/^es, draft/);
    expect((await aviso('projects', 'set-locale', 'default', 'spanish')).code).toBe(2);
    const noSender = await aviso('templates', 'test', 'password-reset', '--to', 'qa@example.com');
    expect(noSender.code).toBe(2);
    expect(noSender.stderr).toContain('from_required');
    const test = await aviso(
      ...[
        'templates',
        'test',
        'password-reset',
        '--to',
        'qa@example.com',
        '--from',
        'QA <qa@acme.test>',
        '--locale',
        'es',
      ],
    );
    expect(test.stderr).toBe('');
    expect(test.stdout).toMatch(/^accepted msg_\w+: "\[Test\] .+" to qa@example.com/);
    const phone = await aviso('templates', 'test', 'password-reset', '--to', '+34600000000');
    expect(phone.code).toBe(2);
    expect(phone.stderr).toContain('template_channel_missing');
    const sms = await aviso('templates', 'test', 'two-factor-code', '--to', '+34600000000', '--locale', 'es');
    expect(sms.stderr).toBe('');
    expect(sms.stdout).toMatch(/^accepted msg_\w+: sms to \+34600000000/);
    const versions = await aviso('templates', 'versions', 'order-confirmation');
    expect(versions.stdout.split('\n')[0]).toMatch(/^v2 /);
    const rollback = await aviso('templates', 'rollback', 'order-confirmation', '1');
    expect(rollback.stdout).toContain('as version 3');
  }, 90_000); // a dozen CLI runs, each a new Node process
});
