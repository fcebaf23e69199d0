import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { readmeSettingsTable, settingDocs, settingsHelp, settingsMarkdownTable } from './config-docs.ts';

describe('loadConfig', () => {
  it('has working defaults with an empty environment', () => {
    const config = loadConfig({}, null);
    expect(config).toMatchObject({ dataDir: './.aviso', port: 8080, maxAttachmentBytes: 10 * 1024 * 1024 });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.smtpUrl).toBeUndefined();
  });

  it('reads and converts environment values', () => {
    const config = loadConfig(
      { AVISO_PORT: '9000', AVISO_SMTP_URL: 'smtps://u:p@mail.example.com:465' },
      null,
    );
    expect(config.port).toBe(9000);
    expect(config.smtpUrl).toBe('smtps://u:p@mail.example.com:465');
  });

  it.each([
    [{ AVISO_PORT: 'eighty' }, 'AVISO_PORT'],
    [{ AVISO_PORT: '70000' }, 'AVISO_PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ AVISO_SMTP_URL: 'mail.example.com' }, 'AVISO_SMTP_URL'],
    [{ AVISO_LOG_LEVEL: 'loud' }, 'AVISO_LOG_LEVEL'],
    [{ AVISO_RETRY_BASE_SECONDS: '-1' }, 'AVISO_RETRY_BASE_SECONDS'],
  ])('names the bad setting in %j', (env, name) => {
    expect(() => loadConfig(env, null)).toThrow(ConfigError);
    expect(() => loadConfig(env, null)).toThrow(`Invalid setting ${name}`);
  });

  it('reads aviso.config.json, with the environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aviso-config-'));
    const file = join(dir, 'aviso.config.json');
    writeFileSync(file, JSON.stringify({ port: 8181, from: 'Shop <shop@example.com>' }));
    expect(loadConfig({}, file)).toMatchObject({ port: 8181, from: 'Shop <shop@example.com>' });
    expect(loadConfig({ AVISO_PORT: '8282' }, file).port).toBe(8282);
  });

  it('refuses unknown keys and bad JSON in the file, naming them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aviso-config-'));
    const file = join(dir, 'aviso.config.json');
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({}, file)).toThrow(/prot in .*unknown setting/);
    writeFileSync(file, '{ "port": ');
    expect(() => loadConfig({}, file)).toThrow(/not valid JSON/);
    writeFileSync(file, JSON.stringify({ port: 'x' }));
    expect(() => loadConfig({}, file)).toThrow(/Invalid setting port in /);
  });
});

describe('the settings documentation', () => {
  it('takes each default from what an unset setting loads as', () => {
    const docs = new Map(settingDocs().map((d) => [d.env, d.defaultValue]));
    expect(docs.get('AVISO_PORT')).toBe('8080');
    expect(docs.get('AVISO_DATA_DIR')).toBe('./.aviso');
    expect(docs.get('AVISO_WEBHOOKS_ALLOW_PRIVATE')).toBe('false');
    expect(docs.get('AVISO_WEBHOOK_RETRY_SECONDS')).toBe('5,300,1800,7200,18000,36000,36000');
    expect(docs.get('DATABASE_URL')).toBeUndefined();
  });

  it('writes a Markdown table with padded columns, escaping pipes', () => {
    const table = settingsMarkdownTable([
      { env: 'A', defaultValue: '1', doc: 'one `x|y`' },
      { env: 'LONGER', defaultValue: undefined, doc: 'two' },
    ]);
    expect(table.split('\n')).toEqual([
      '| variable | default | meaning    |',
      '| -------- | ------- | ---------- |',
      '| `A`      | `1`     | one `x\\|y` |',
      '| `LONGER` | —       | two        |',
    ]);
  });

  it('is the README table, as npm run docs:config writes it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readmeSettingsTable(readme), 'README.md is out of date: run npm run docs:config').toBe(
      settingsMarkdownTable(),
    );
  });

  it('wraps help text without cutting words, code marks removed', () => {
    const help = settingsHelp(60);
    expect(help).toContain(
      '  AVISO_PORT  default: 8080\n      Port the HTTP API listens on (0 picks a free one).',
    );
    expect(help).toContain('  DATABASE_URL  (no default)\n');
    expect(help).not.toContain('`');
    for (const line of help.split('\n').slice(1))
      if (line.startsWith('      ')) expect(line.length).toBeLessThanOrEqual(60);
  });
});
