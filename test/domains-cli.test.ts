// `aviso domains` through the real CLI: an empty list says how to add a domain, and adding one
// prints every DNS record it needs. The printed SPF and DMARC records are fed to mailauth (a
// resolver answering with exactly what Aviso told the user to publish): mail from the relay
// passes SPF, and DMARC reads the p=none start policy with its report address.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dmarc } from 'mailauth/lib/dmarc/index.js';
import { spf } from 'mailauth/lib/spf/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

const run = promisify(execFile);
let database: TestDatabase;

async function aviso(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/aviso.js', ...args], {
      env: { ...process.env, DATABASE_URL: database.url, AVISO_LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Printed {
  purpose: string;
  name: string;
  type: string;
  value: string;
  why: string;
}

/** The records as printed: "  PURPOSE: NAME IN TYPE VALUE" then "    why: …". */
function records(stdout: string): Printed[] {
  const out: Printed[] = [];
  for (const line of stdout.split('\n')) {
    const record = /^ {2}([A-Za-z ]+): (\S+) IN (TXT|MX) (.+)$/.exec(line);
    if (record) {
      const [, purpose, name, type, value] = record as unknown as string[];
      out.push({ purpose, name, type, value, why: '' } as Printed);
    }
    const why = /^ {4}why: (.+)$/.exec(line);
    const last = out.at(-1);
    if (why && last) last.why = why[1] as string;
  }
  return out;
}

/** A DNS resolver that knows only the printed records (and the relay's address). */
function resolverOf(printed: Printed[], addresses: Record<string, string>) {
  return async (name: string, type: string) => {
    if (type === 'A' && addresses[name]) return [addresses[name]];
    const found = printed.filter((r) => r.name === `${name}.` && r.type === type);
    if (found.length === 0) throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENODATA' });
    return found.map((r) => [...r.value.matchAll(/"([^"]*)"/g)].map((m) => m[1] as string));
  };
}

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describe('aviso domains', () => {
  it('says there are none, and how to add one', async () => {
    const listed = await aviso({}, 'domains', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('has no sending domains yet');
    expect(listed.stdout).toContain('aviso domains add example.com');
  });

  const setup = {
    AVISO_SMTP_URL: 'smtp://user:secret@relay.shop.example:587',
    AVISO_BOUNCE_DOMAIN: 'bounces.shop.example',
    AVISO_BOUNCE_SMTP_PORT: '2525',
    AVISO_PUBLIC_URL: 'https://aviso.shop.example',
  };

  it('prints every record a domain needs, each with name, type, value and why', async () => {
    const added = await aviso(setup, 'domains', 'add', 'shop.example');
    expect(added.code).toBe(0);
    expect(added.stdout).not.toContain('secret');
    const printed = records(added.stdout);
    expect(printed.map((r) => [r.purpose, r.name, r.type])).toEqual([
      ['DKIM', 'aviso._domainkey.shop.example.', 'TXT'],
      ['SPF', 'bounces.shop.example.', 'TXT'],
      ['DMARC', '_dmarc.shop.example.', 'TXT'],
      ['Return path', 'bounces.shop.example.', 'MX'],
    ]);
    for (const r of printed) expect(r.why.length).toBeGreaterThan(20);
    expect(printed[3]?.value).toBe('10 aviso.shop.example.');

    const resolver = resolverOf(printed, { 'relay.shop.example': '192.0.2.25' });
    const checked = await spf({
      sender: 'bounces+msg_x-0123456789@bounces.shop.example',
      ip: '192.0.2.25',
      helo: 'relay.shop.example',
      resolver,
    });
    expect(checked.status.result).toBe('pass');
    const stranger = await spf({
      sender: 'bounces+msg_x-0123456789@bounces.shop.example',
      ip: '198.51.100.7',
      helo: 'elsewhere.example',
      resolver,
    });
    expect(stranger.status.result).toBe('softfail');

    const policy = await dmarc({
      headerFrom: 'hello@shop.example',
      spfDomains: ['bounces.shop.example'],
      dkimDomains: [],
      resolver,
    });
    expect(policy).toMatchObject({ status: { result: 'pass' }, p: 'none' });
    expect(printed[2]?.value).toContain('rua=mailto:dmarc-reports@shop.example');

    const listed = await aviso(setup, 'domains', 'list');
    expect(records(listed.stdout)).toEqual(printed);
  });

  it('puts SPF on the From domain when mail leaves with the From address as envelope sender', async () => {
    const added = await aviso({}, 'domains', 'add', 'plain.example');
    const printed = records(added.stdout);
    expect(printed.map((r) => [r.purpose, r.name])).toEqual([
      ['DKIM', 'aviso._domainkey.plain.example.'],
      ['SPF', 'plain.example.'],
      ['DMARC', '_dmarc.plain.example.'],
    ]);
    expect(printed[1]?.why).toContain('no SMTP relay is configured yet');
  });
});
