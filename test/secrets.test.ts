// Secrets at rest, end to end: what the API and the CLI store is sealed in the raw rows, and
// everything that uses those secrets still works (Twilio's Basic auth, SMTP AUTH, Standard
// Webhooks signatures, DKIM); plaintext rows from before are sealed at start; `aviso secrets`
// rotates and retires keys (keyring file and AVISO_MASTER_KEY); a missing key stops the start
// with one sentence.
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { returnPath } from '../src/channels/email/return-path.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { type FakeTwilio, startFakeTwilio } from './helpers/fake-twilio.ts';

const twilioAccount = { accountSid: `AC${'2'.repeat(32)}`, authToken: 'twilio-token-0a1b2c3d4e5f' };
const smtpPassword = 'smtp-pass-9f8e7d6c';
const testKeyId = 'test';

let twilio: FakeTwilio;
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  twilio = await startFakeTwilio(twilioAccount);
  stops.push(() => twilio.close());
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function until<T>(
  what: string,
  read: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An SMTP server that requires AUTH and keeps the credentials and the message. */
async function startAuthSmtp() {
  const received: { user: string; pass: string; from: string; raw: Buffer }[] = [];
  let auth = { user: '', pass: '' };
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(a, _session, callback) {
      auth = { user: a.username ?? '', pass: a.password ?? '' };
      callback(null, { user: a.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        received.push({ ...auth, from, raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, received };
}

/** An HTTP receiver for webhooks. */
async function startReceiver() {
  const received: { headers: Record<string, string>; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`,
    received,
  };
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI (`node bin/aviso.js …`) on the test's database. */
function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/aviso.js', ...args],
      { env: { ...process.env, AVISO_LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

/** Every row of the four tables that hold secrets, as JSON text. */
async function rawSecretRows(database: TestDatabase): Promise<string> {
  const { rows } = await sql<{ row: string }>`
    SELECT row_to_json(t)::text AS row FROM provider_configs t
    UNION ALL SELECT row_to_json(t)::text FROM webhook_endpoints t
    UNION ALL SELECT row_to_json(t)::text FROM domains t
    UNION ALL SELECT row_to_json(t)::text FROM settings t`.execute(database.db);
  return rows.map((r) => r.row).join('\n');
}

/** Each stored secret value with the id of the key that sealed it (null: plaintext). */
async function storedSecrets(database: TestDatabase): Promise<{ where: string; keyId: string | null }[]> {
  const { rows } = await sql<{ where: string; value: string }>`
    SELECT 'provider ' || id || ' ' || f.key AS where, f.value #>> '{}' AS value
      FROM provider_configs, jsonb_each(config) f
      WHERE f.key IN ('authToken', 'url', 'apiSecret', 'signatureSecret', 'password', 'accessToken', 'appSecret', 'verifyToken')
    UNION ALL SELECT 'webhook ' || id, secret FROM webhook_endpoints
    UNION ALL SELECT 'domain ' || id, dkim_private_key FROM domains
    UNION ALL SELECT 'setting ' || key, value FROM settings
    ORDER BY 1`.execute(database.db);
  return rows.map((r) => ({
    where: r.where,
    keyId: /^enc:v1:([^:]+):[A-Za-z0-9_-]+$/.exec(r.value)?.[1] ?? null,
  }));
}

/** A DKIM check whose resolver answers with the TXT record Aviso printed. */
function dkimCheck(selector: string, domain: string, record: string) {
  const txt = [...record.matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
  return (raw: Buffer) =>
    dkimVerify(raw, {
      resolver: async (host: string, type: string) => {
        if (type === 'TXT' && host === `${selector}._domainkey.${domain}`) return [txt];
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      },
    });
}

async function sendSms(aviso: TestAviso, text: string) {
  const accepted = await aviso.request('POST', '/v1/messages', { body: { to: '+34600111222', text } });
  expect(accepted.status).toBe(202);
  const sent = await aviso.waitForStatus(accepted.body.id, ['sent', 'failed']);
  expect(sent).toMatchObject({ status: 'sent', provider: 'twilio' });
  // The fake answers 401 unless Basic auth carries the account SID and the auth token.
  expect(twilio.sent.find((m) => m.sid === sent.providerMessageId)?.body).toBe(text);
  return sent;
}

describe('what the API and the CLI store', () => {
  let aviso: TestAviso;

  beforeAll(async () => {
    aviso = await startTestAviso({
      AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true',
      AVISO_BOUNCE_DOMAIN: 'bounces.example.com',
    });
    stops.push(() => aviso.stop());
  });

  it('is sealed in the raw rows, and every send that uses it still works', async () => {
    const smtp = await startAuthSmtp();
    const receiver = await startReceiver();
    const sms = await aviso.request('POST', '/v1/providers', {
      body: {
        name: 'twilio',
        type: 'twilio',
        config: { ...twilioAccount, from: 'Acme', baseUrl: twilio.url },
      },
    });
    expect(sms.status).toBe(201);
    expect(sms.body.config.authToken).toBe(`••••${twilioAccount.authToken.slice(-4)}`);
    const smtpUrl = `smtp://mailer:${smtpPassword}@127.0.0.1:${smtp.port}`;
    const email = await aviso.request('POST', '/v1/providers', {
      body: { name: 'relay', type: 'smtp', config: { url: smtpUrl } },
    });
    expect(email.status).toBe(201);
    expect(email.body.config.url).toBe(`••••${smtpUrl.slice(-4)}`);
    expect((await aviso.request('GET', `/v1/providers/${sms.body.id}`)).body.config).toEqual(sms.body.config);
    const webhook = await aviso.request('POST', '/v1/webhooks', {
      body: { url: receiver.url, eventTypes: ['accepted'] },
    });
    expect(webhook.status).toBe(201);
    const secret = webhook.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect((await aviso.request('GET', `/v1/webhooks/${webhook.body.id}/secret`)).body).toEqual({ secret });
    const added = await cli(['domains', 'add', 'sealed.example', '--selector', 's2026'], {
      DATABASE_URL: aviso.database.url,
    });
    expect(added).toMatchObject({ code: 0 });
    const record = /IN TXT (.+)$/m.exec(added.stdout)?.[1] ?? '';

    await sendSms(aviso, 'Your code is 4242');
    const accepted = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana@example.com', from: 'hello@sealed.example', subject: 'Signed', text: 'Body' },
    });
    expect(accepted.status).toBe(202);
    const [mail] = await until('the email', () => (smtp.received.length > 0 ? smtp.received : undefined));
    expect(mail).toMatchObject({ user: 'mailer', pass: smtpPassword });
    const dkim = await dkimCheck('s2026', 'sealed.example', record)(mail?.raw as Buffer);
    expect(dkim.results[0]?.status.result).toBe('pass');
    const delivery = await until('a webhook', () => receiver.received[0]);
    expect(new Webhook(secret).verify(delivery.body, delivery.headers)).toMatchObject({
      type: 'message.accepted',
    });

    const raw = await rawSecretRows(aviso.database);
    for (const plaintext of [
      twilioAccount.authToken,
      smtpPassword,
      secret,
      secret.slice('whsec_'.length),
      'PRIVATE KEY',
    ])
      expect(raw).not.toContain(plaintext);
    const stored = await storedSecrets(aviso.database);
    expect(stored.map((s) => s.where.split(' ')[0]).sort()).toEqual([
      'domain',
      'provider',
      'provider',
      'setting',
      'webhook',
    ]);
    expect(stored.every((s) => s.keyId === testKeyId)).toBe(true);
  }, 180_000);
});

describe('plaintext rows stored before sealing existed', () => {
  it('are sealed at start, in place, and keep working; a second start changes nothing', async () => {
    const database = await createTestDatabase();
    stops.push(() => database.drop());
    const project = (
      await database.db
        .selectFrom('projects')
        .select('id')
        .where('is_default', '=', true)
        .executeTakeFirstOrThrow()
    ).id;
    const receiver = await startReceiver();
    const smtp = await startAuthSmtp();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const oldWebhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
    const linkKey = randomBytes(32).toString('base64');
    // The rows as the previous version wrote them.
    await database.db
      .insertInto('provider_configs')
      .values([
        {
          id: 'prov_old_twilio',
          project_id: project,
          channel: 'sms',
          type: 'twilio',
          name: 'twilio',
          config: JSON.stringify({ ...twilioAccount, from: 'Acme', baseUrl: twilio.url }),
        },
        {
          id: 'prov_old_smtp',
          project_id: project,
          channel: 'email',
          type: 'smtp',
          name: 'relay',
          config: JSON.stringify({ url: `smtp://mailer:${smtpPassword}@127.0.0.1:${smtp.port}` }),
        },
      ])
      .execute();
    await database.db
      .insertInto('webhook_endpoints')
      .values({
        id: 'wh_old',
        project_id: project,
        url: receiver.url,
        event_types: ['accepted'],
        secret: oldWebhookSecret,
      })
      .execute();
    await database.db
      .insertInto('domains')
      .values({
        id: 'dom_old',
        project_id: project,
        domain: 'old.example',
        dkim_selector: 'old',
        dkim_private_key: privateKey,
        dkim_public_key: publicKey.toString('base64'),
      })
      .execute();
    await database.db.insertInto('settings').values({ key: 'link-signing-key', value: linkKey }).execute();
    expect((await storedSecrets(database)).every((s) => s.keyId === null)).toBe(true);

    const env = { AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true', AVISO_BOUNCE_DOMAIN: 'bounces.example.com' };
    let aviso = await startTestAviso(env, undefined, database);
    const sealed = await rawSecretRows(database);
    for (const plaintext of [twilioAccount.authToken, smtpPassword, oldWebhookSecret, 'PRIVATE KEY', linkKey])
      expect(sealed).not.toContain(plaintext);
    expect((await storedSecrets(database)).map((s) => s.keyId)).toEqual(Array(5).fill(testKeyId));

    await aviso.stop();
    aviso = await startTestAviso(env, undefined, database);
    stops.push(() => aviso.stop());
    expect(await rawSecretRows(database)).toBe(sealed);

    expect((await aviso.request('GET', '/v1/webhooks/wh_old/secret')).body).toEqual({
      secret: oldWebhookSecret,
    });
    await sendSms(aviso, 'Still signed in');
    const accepted = await aviso.request('POST', '/v1/messages', {
      body: { to: 'bo@example.com', from: 'hi@old.example', subject: 'Old key', text: 'Body' },
    });
    expect(accepted.status).toBe(202);
    const [mail] = await until('the email', () => (smtp.received.length > 0 ? smtp.received : undefined));
    expect(mail?.pass).toBe(smtpPassword);
    const record = `"v=DKIM1; k=rsa; p=${publicKey.toString('base64')}"`;
    expect(
      (await dkimCheck('old', 'old.example', record)(mail?.raw as Buffer)).results[0]?.status.result,
    ).toBe('pass');
    // The return path is still tagged with the old link-signing key.
    expect(mail?.from).toBe(
      returnPath(accepted.body.id, 'bounces.example.com', Buffer.from(linkKey, 'base64')),
    );
    const delivery = await until('a webhook', () => receiver.received[0]);
    expect(new Webhook(oldWebhookSecret).verify(delivery.body, delivery.headers)).toMatchObject({
      type: 'message.accepted',
    });
  });
});

describe('the keyring file, when AVISO_MASTER_KEY is not set', () => {
  it('is generated in the data folder (0600) at start, and the banner says where and what to do', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aviso-keys-'));
    const database = await createTestDatabase();
    stops.push(() => database.drop());
    const child = spawn(process.execPath, ['bin/aviso.js', 'start'], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        AVISO_DATA_DIR: dataDir,
        AVISO_MASTER_KEY: '',
        AVISO_PORT: '0',
        AVISO_LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (c) => {
      output += c;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await until('the banner', () => (output.includes('Create an API key') ? true : undefined), 30_000);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    const path = join(dataDir, 'master-keys.json');
    expect(output).toContain(`Master key: ${path} (generated now)`);
    expect(output).toMatch(
      /Back it up[\s\S]*several processes or an external DATABASE_URL, set\s+AVISO_MASTER_KEY/,
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8')).keys).toHaveLength(1);
  }, 180_000);

  it('rotates: a new key in the file, every secret re-sealed, the running server keeps working, the old key retired', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aviso-keys-'));
    const env = { AVISO_MASTER_KEY: '', AVISO_DATA_DIR: dataDir, AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' };
    const aviso = await startTestAviso(env);
    stops.push(() => aviso.stop());
    const receiver = await startReceiver();
    const path = join(dataDir, 'master-keys.json');
    const keyIds = () => (JSON.parse(readFileSync(path, 'utf8')).keys as { id: string }[]).map((k) => k.id);
    const [first] = keyIds();
    await aviso.request('POST', '/v1/providers', {
      body: {
        name: 'twilio',
        type: 'twilio',
        config: { ...twilioAccount, from: 'Acme', baseUrl: twilio.url },
      },
    });
    const webhook = await aviso.request('POST', '/v1/webhooks', {
      body: { url: receiver.url, eventTypes: ['accepted'] },
    });
    const run = (...args: string[]) => cli(args, { DATABASE_URL: aviso.database.url, ...env });
    expect((await storedSecrets(aviso.database)).map((s) => s.keyId)).toEqual([first, first]);

    const before = await run('secrets', 'status');
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(new RegExp(`${first} +seals 2 secrets .*\\(newest: seals new secrets\\)`));
    const refused = await run('secrets', 'retire', first as string);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is the newest/);

    const rotated = await run('secrets', 'rotate');
    expect(rotated.code).toBe(0);
    const second = keyIds()[1] as string;
    expect(keyIds()).toEqual([first, second]);
    expect(rotated.stdout).toContain(`added master key ${second} to ${path}`);
    expect(rotated.stdout).toContain(
      `re-sealed 2 secrets (1 provider credential, 1 webhook secret) with master key ${second}`,
    );
    expect((await storedSecrets(aviso.database)).map((s) => s.keyId)).toEqual([second, second]);
    expect(await rawSecretRows(aviso.database)).not.toContain(twilioAccount.authToken);

    // The server started before the rotation reads the new key from the file when it meets it.
    expect((await aviso.request('GET', `/v1/webhooks/${webhook.body.id}/secret`)).body.secret).toBe(
      webhook.body.secret,
    );
    await sendSms(aviso, 'After rotation');
    const delivery = await until('a webhook', () => receiver.received[0]);
    expect(new Webhook(webhook.body.secret).verify(delivery.body, delivery.headers)).toBeTruthy();

    const retired = await run('secrets', 'retire', first as string);
    expect(retired).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`retired master key ${first}`),
    });
    expect(keyIds()).toEqual([second]);
    expect((await run('secrets', 'status')).stdout).toMatch(new RegExp(`${second} +seals 2 secrets`));

    // A restart needs only the new key.
    await aviso.services.stop();
    const again = await startTestAviso(env, undefined, aviso.database);
    stops.push(() => again.stop());
    expect(again.services.aviso.secrets.source).toEqual({ kind: 'file', path, created: false });
    await sendSms(again, 'After restart');
  }, 180_000);
});

describe('AVISO_MASTER_KEY', () => {
  const newKey = `k2:${randomBytes(32).toString('base64')}`;

  it('rotates to the newest key given; the old key can be retired only once nothing uses it', async () => {
    const aviso = await startTestAviso({ AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' });
    stops.push(() => aviso.stop());
    await aviso.request('POST', '/v1/providers', {
      body: {
        name: 'twilio',
        type: 'twilio',
        config: { ...twilioAccount, from: 'Acme', baseUrl: twilio.url },
      },
    });
    const both = `${process.env.AVISO_MASTER_KEY},${newKey}`;
    const run = (key: string, ...args: string[]) =>
      cli(args, { DATABASE_URL: aviso.database.url, AVISO_MASTER_KEY: key });

    const nothingNew = await run(process.env.AVISO_MASTER_KEY as string, 'secrets', 'rotate');
    expect(nothingNew.code).toBe(0);
    expect(nothingNew.stdout).toContain('re-sealed no secrets with master key test');
    expect(nothingNew.stdout).toMatch(/AVISO_MASTER_KEY="\$AVISO_MASTER_KEY,[0-9a-f]{8}:[A-Za-z0-9+/]{43}="/);

    const refused = await run(both, 'secrets', 'retire', testKeyId);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'master key "test" still seals 1 secret: run "npx aviso secrets rotate" first',
    );
    const rotated = await run(both, 'secrets', 'rotate');
    expect(rotated.stdout).toContain('re-sealed 1 secret (1 provider credential) with master key k2');
    expect((await storedSecrets(aviso.database)).map((s) => s.keyId)).toEqual(['k2']);
    const retired = await run(both, 'secrets', 'retire', testKeyId);
    expect(retired).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('remove it from AVISO_MASTER_KEY'),
    });

    await aviso.services.stop();
    const again = await startTestAviso(
      { AVISO_MASTER_KEY: newKey, AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' },
      undefined,
      aviso.database,
    );
    stops.push(() => again.stop());
    await sendSms(again, 'With k2 only');
  }, 180_000);
});

describe('a keyring that does not hold the database key', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    const aviso = await startTestAviso({ AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' });
    await aviso.request('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook' } });
    await aviso.services.stop();
    database = aviso.database;
    stops.push(() => database.drop());
  });

  it('stops the start with one sentence naming the key and what to do', async () => {
    const started = await cli(['start'], {
      DATABASE_URL: database.url,
      AVISO_MASTER_KEY: `other:${randomBytes(32).toString('base64')}`,
      AVISO_PORT: '0',
    });
    expect(started.code).toBe(2);
    expect(started.stderr).toBe(
      'aviso: The database holds 1 secret sealed with master key "test", which AVISO_MASTER_KEY does not hold: add that key to AVISO_MASTER_KEY (keeping the others) in every Aviso process.\n',
    );
  }, 180_000);

  it('says so when the keyring file is missing, and creates none', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aviso-keys-'));
    await expect(
      startTestAviso({ AVISO_MASTER_KEY: '', AVISO_DATA_DIR: dataDir }, undefined, database),
    ).rejects.toThrow(
      `The database holds 1 secret sealed with master key "test", and there is no keyring file ${join(dataDir, 'master-keys.json')} nor AVISO_MASTER_KEY: restore that file from your backup, or set AVISO_MASTER_KEY to the keys that sealed them.`,
    );
    expect(() => statSync(join(dataDir, 'master-keys.json'))).toThrow(/ENOENT/);
  });

  it('refuses another key under the same id', async () => {
    await expect(
      startTestAviso({ AVISO_MASTER_KEY: `test:${randomBytes(32).toString('base64')}` }, undefined, database),
    ).rejects.toThrow('Master key "test" does not open the database\'s secrets sealed under that id');
  });
});
