// The destination guard on provider settings, end to end: a project's baseUrl, SMTP url and
// SMPP host may not point at loopback, private or metadata addresses (refused when saved, and
// again when sending for settings saved before), unless AVISO_ALLOW_PRIVATE_DESTINATIONS lifts
// it; sends connect to the address that was vetted; and what a provider answers is stored only
// as a short, clean snippet. Real PostgreSQL, the real API and worker, local fake providers.
import { execFile } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSmtpUrl, SmtpProvider } from '../src/channels/email/index.ts';
import { classifySmtpFailure } from '../src/channels/email/smtp-errors.ts';
import {
  DestinationNotAllowedError,
  type OutgoingEmail,
  type OutgoingSms,
  type PermanentError,
} from '../src/channels/index.ts';
import { SmppProvider, TwilioProvider, VonageProvider } from '../src/channels/sms/index.ts';
import { classifyTwilioFailure } from '../src/channels/sms/twilio.ts';
import { readVonageAnswer } from '../src/channels/sms/vonage.ts';
import { graphFailure } from '../src/channels/whatsapp/graph-errors.ts';
import { WhatsAppCloudProvider } from '../src/channels/whatsapp/index.ts';
import { ApiError } from '../src/errors/index.ts';
import { type DestinationPolicy, providerDestinations } from '../src/net/index.ts';
import { createApiKey } from '../src/projects/api-keys.ts';
import { createProject } from '../src/projects/projects.ts';
import { createProvider, updateProvider } from '../src/providers/index.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { startFakeSmsc } from './helpers/fake-smsc.ts';
import { type FakeTwilio, startFakeTwilio } from './helpers/fake-twilio.ts';
import { type SmtpSink, startSmtpSink } from './helpers/smtp-sink.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies freely and assert on them
type Json = any;

const twilioAccount = { accountSid: `AC${'1'.repeat(32)}`, authToken: 'twilio-auth-token' };
const vonageAccount = { apiKey: 'vonage-key', apiSecret: 'vonage-secret' };
const whatsappAccount = {
  phoneNumberId: '106540352242922',
  wabaId: '102290129340398',
  accessToken: 'EAAG-test-token',
  appSecret: 'app-secret-1234',
  verifyToken: 'verify-me',
};
const guardedPolicy = providerDestinations({ allowPrivateDestinations: false });
const openPolicy = providerDestinations({ allowPrivateDestinations: true });
/** A resolver that answers one address for every name (a name that resolves to loopback). */
const resolvingTo =
  (address: string): DestinationPolicy['lookup'] =>
  async () => [{ address, family: address.includes(':') ? 6 : 4 }];

/** A local service with something to hide, counting who reaches it. */
interface SecretService {
  url: string;
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function startSecretService(): Promise<SecretService> {
  const service: SecretService = { url: '', port: 0, connections: 0, close: async () => {} };
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>internal admin</h1> SECRET-TOKEN-4242');
  });
  server.on('connection', () => service.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  service.port = (server.address() as AddressInfo).port;
  service.url = `http://127.0.0.1:${service.port}`;
  service.close = () => new Promise((resolve) => server.close(() => resolve()));
  return service;
}

/** A TCP port that counts connections and answers nothing (an SMTP relay or SMSC stand-in). */
async function startListener(): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const listener = { port: 0, connections: 0, close: async () => {} };
  const server = net.createServer((socket) => {
    listener.connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listener.port = (server.address() as AddressInfo).port;
  listener.close = () => new Promise((resolve) => server.close(() => resolve()));
  return listener;
}

let guarded: TestAviso;
let open: TestAviso;
let secret: SecretService;
let twilio: FakeTwilio;
let projects = 0;

beforeAll(async () => {
  [guarded, open, secret, twilio] = await Promise.all([
    startTestAviso(),
    startTestAviso({ AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' }),
    startSecretService(),
    startFakeTwilio(twilioAccount),
  ]);
});

afterAll(async () => {
  await Promise.all([guarded?.stop(), open?.stop(), secret?.close(), twilio?.close()]);
});

/** A fresh project on `on` (its own provider routes), and a request function with its key. */
async function newProject(on: TestAviso) {
  const project = await createProject(on.database.db, `destinations-${++projects}`);
  const { key } = await createApiKey(on.database.db, project.id, 'test');
  const request = (method: string, path: string, body?: unknown) =>
    on.request(method, path, body === undefined ? { key } : { key, body });
  const waitForStatus = async (id: string, statuses: string[]): Promise<Json> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { body } = await request('GET', `/v1/messages/${id}`);
      if (statuses.includes(body.status)) return body;
      if (Date.now() > deadline)
        throw new Error(`message ${id} is ${body.status}, not ${statuses.join('/')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { projectId: project.id, request, waitForStatus };
}

const sms = (): OutgoingSms => ({
  id: 'msg_test',
  projectId: 'prj_test',
  priority: 'normal',
  from: 'Aviso',
  to: '+34600111222',
  text: 'hello',
  encoding: 'GSM-7',
  segments: 1,
  validUntil: null,
});

describe('saving provider settings', () => {
  const places = [
    'http://127.0.0.1:8080',
    'http://localhost',
    'http://169.254.169.254/',
    'http://[::ffff:127.0.0.1]/',
    'http://10.0.0.1',
    'http://[::1]:3000/',
    'http://2130706433/',
  ];
  const kinds = [
    { type: 'twilio', config: { ...twilioAccount, from: 'Acme' } },
    { type: 'vonage', config: { ...vonageAccount, from: 'Acme' } },
    { type: 'whatsapp', config: whatsappAccount },
  ];

  it('refuses a baseUrl at a loopback, private or metadata address, on create and on change', async () => {
    const { request } = await newProject(guarded);
    for (const { type, config } of kinds) {
      for (const baseUrl of places) {
        const res = await request('POST', '/v1/providers', {
          name: type,
          type,
          config: { ...config, baseUrl },
        });
        expect({
          type,
          baseUrl,
          status: res.status,
          code: res.body.error?.code,
          path: res.body.error?.path,
        }).toEqual({ type, baseUrl, status: 422, code: 'provider_url_not_allowed', path: 'config.baseUrl' });
        expect(res.body.error.message).toContain('AVISO_ALLOW_PRIVATE_DESTINATIONS=true');
      }
      // Without a baseUrl (the provider's own API) the same settings are fine; changing them
      // to a local one is refused and changes nothing.
      const created = await request('POST', '/v1/providers', { name: type, type, config });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const moved = await request('PATCH', `/v1/providers/${created.body.id}`, {
        config: { baseUrl: 'http://169.254.169.254/latest/meta-data/' },
      });
      expect(moved.body.error).toMatchObject({ code: 'provider_url_not_allowed', path: 'config.baseUrl' });
      expect((await request('GET', `/v1/providers/${created.body.id}`)).body.config.baseUrl).toBeUndefined();
    }
    const list = await request('GET', '/v1/providers');
    expect(list.body.data.map((p: Json) => p.type).sort()).toEqual(['twilio', 'vonage', 'whatsapp']);
    const localhost = await request('POST', '/v1/providers', {
      name: 'local',
      type: 'twilio',
      config: { ...twilioAccount, from: 'Acme', baseUrl: 'http://localhost:8080' },
    });
    expect(localhost.body.error.message).toMatch(
      /"localhost" resolves to (127\.0\.0\.1|::1), a loopback address/,
    );
  });

  it('refuses an SMTP url and an SMPP host at a local address, without repeating the password', async () => {
    const { request } = await newProject(guarded);
    const smtp = await request('POST', '/v1/providers', {
      name: 'relay',
      type: 'smtp',
      config: { url: 'smtp://ana:hunter2@127.0.0.1:2525' },
    });
    expect(smtp.status).toBe(422);
    expect(smtp.body.error).toMatchObject({ code: 'provider_url_not_allowed', path: 'config.url' });
    expect(JSON.stringify(smtp.body)).not.toContain('hunter2');
    for (const host of ['127.0.0.1', 'localhost', '169.254.169.254', '::1']) {
      const smpp = await request('POST', '/v1/providers', {
        name: 'smsc',
        type: 'smpp',
        config: { host, systemId: 'aviso', password: 'secret' },
      });
      expect({
        host,
        status: smpp.status,
        error: smpp.body.error?.code,
        path: smpp.body.error?.path,
      }).toEqual({
        host,
        status: 422,
        error: 'provider_url_not_allowed',
        path: 'config.host',
      });
    }
    expect((await request('GET', '/v1/providers')).body.data).toEqual([]);
  });

  it('refuses a host name that resolves to a local address (the resolver is injected)', async () => {
    const project = await createProject(guarded.database.db, `destinations-${++projects}`);
    const rebinding = { ...guardedPolicy, lookup: resolvingTo('127.0.0.1') };
    const refusal = await createProvider(
      guarded.database.db,
      guarded.services.aviso.secrets,
      project.id,
      {
        name: 'twilio',
        type: 'twilio',
        enabled: true,
        config: { ...twilioAccount, from: 'Acme', baseUrl: 'https://api.twilio.example/' },
      },
      rebinding,
    ).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ code: 'provider_url_not_allowed', path: 'config.baseUrl' });
    expect((refusal as Error).message).toMatch(/"api\.twilio\.example" resolves to 127\.0\.0\.1, a loopback/);

    const smpp = await createProvider(
      guarded.database.db,
      guarded.services.aviso.secrets,
      project.id,
      {
        name: 'smsc',
        type: 'smpp',
        enabled: true,
        config: { host: 'smsc.example', systemId: 'a', password: 'b' },
      },
      { ...guardedPolicy, lookup: resolvingTo('fd00::5') },
    ).catch((err: unknown) => err);
    expect(smpp).toMatchObject({ code: 'provider_url_not_allowed', path: 'config.host' });

    // A public answer is accepted; pointing it elsewhere later is checked again.
    const saved = await createProvider(
      guarded.database.db,
      guarded.services.aviso.secrets,
      project.id,
      {
        name: 'twilio',
        type: 'twilio',
        enabled: true,
        config: { ...twilioAccount, from: 'Acme', baseUrl: 'https://api.twilio.example/' },
      },
      { ...guardedPolicy, lookup: resolvingTo('93.184.216.34') },
    );
    const patched = await updateProvider(
      guarded.database.db,
      guarded.services.aviso.secrets,
      project.id,
      saved.id,
      { config: { baseUrl: 'https://metadata.example/' } },
      { ...guardedPolicy, lookup: resolvingTo('169.254.169.254') },
    ).catch((err: unknown) => err);
    expect(patched).toMatchObject({ code: 'provider_url_not_allowed', path: 'config.baseUrl' });
  });

  it('refuses URLs with spaces or control characters, and stores URLs as parsed', async () => {
    const { request } = await newProject(open);
    for (const baseUrl of [
      'https://93.184.216.34/\r\nX-Injected: 1',
      'https://93.184.216.34/a b',
      'https://93.184.216.34/\tx',
    ]) {
      const res = await request('POST', '/v1/providers', {
        name: 'twilio',
        type: 'twilio',
        config: { ...twilioAccount, from: 'Acme', baseUrl },
      });
      expect({ baseUrl, status: res.status, code: res.body.error?.code, path: res.body.error?.path }).toEqual(
        {
          baseUrl,
          status: 422,
          code: 'provider_url_invalid',
          path: 'config.baseUrl',
        },
      );
    }
    const smtp = await request('POST', '/v1/providers', {
      name: 'relay',
      type: 'smtp',
      config: { url: 'smtp://ana:pw@relay.example:25\r\n' },
    });
    expect(smtp.body.error).toMatchObject({ code: 'provider_url_invalid', path: 'config.url' });
    expect((await request('GET', '/v1/providers')).body.data).toEqual([]);

    const created = await request('POST', '/v1/providers', {
      name: 'twilio',
      type: 'twilio',
      config: { ...twilioAccount, from: 'Acme', baseUrl: 'HTTPS://93.184.216.34:443/twilio' },
    });
    expect(created.status).toBe(201);
    expect(created.body.config.baseUrl).toBe('https://93.184.216.34/twilio');
  });

  it('allows local addresses (providers and webhooks) only when AVISO_ALLOW_PRIVATE_DESTINATIONS=true', async () => {
    const twilioLocal = {
      name: 'twilio',
      type: 'twilio',
      config: { ...twilioAccount, from: 'Acme', baseUrl: 'http://127.0.0.1:8080' },
    };
    const smppLocal = {
      name: 'smsc',
      type: 'smpp',
      config: { host: '127.0.0.1', systemId: 'aviso', password: 'secret' },
    };
    const refusing = await newProject(guarded);
    const allowing = await newProject(open);
    for (const body of [twilioLocal, smppLocal]) {
      expect((await refusing.request('POST', '/v1/providers', body)).status).toBe(422);
      expect((await allowing.request('POST', '/v1/providers', body)).status).toBe(201);
    }
    // The same setting lifts the guard of webhook URLs.
    const hook = { url: 'http://127.0.0.1:8080/hooks' };
    expect((await refusing.request('POST', '/v1/webhooks', hook)).status).toBe(422);
    expect((await allowing.request('POST', '/v1/webhooks', hook)).status).toBe(201);
  });
});

describe('aviso providers add', () => {
  const run = promisify(execFile);
  const add = async (env: Record<string, string>) => {
    const config = JSON.stringify({ ...twilioAccount, from: 'Acme', baseUrl: 'http://127.0.0.1:8080' });
    const args = ['bin/aviso.js', 'providers', 'add', 'local', '--type', 'twilio', '--config', config];
    try {
      const { stdout, stderr } = await run(process.execPath, args, {
        env: { ...process.env, DATABASE_URL: guarded.database.url, AVISO_LOG_LEVEL: 'silent', ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      return err as { code: number; stdout: string; stderr: string };
    }
  };

  it('prints the refusal the API gives and saves nothing, unless the setting allows it', async () => {
    const refused = await add({});
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'config.baseUrl  provider_url_not_allowed: "127.0.0.1" is a loopback address: providers are reached at public addresses only.',
    );
    // The same name again: the refused one was not saved.
    const allowed = await add({ AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout).config.baseUrl).toBe('http://127.0.0.1:8080/');
  });
});

describe('sending through settings saved before the guard', () => {
  /** A provider row as one saved before the guard existed would be: written without the check. */
  const saveUnchecked = (projectId: string, input: Parameters<typeof createProvider>[3]) =>
    createProvider(guarded.database.db, guarded.services.aviso.secrets, projectId, input, openPolicy);

  it('does not reach a local service: the message fails, without retries and without its answer', async () => {
    const { projectId, request, waitForStatus } = await newProject(guarded);
    await saveUnchecked(projectId, {
      name: 'twilio-local',
      type: 'twilio',
      enabled: true,
      config: { ...twilioAccount, from: 'Acme', baseUrl: secret.url },
    });
    const before = secret.connections;
    const res = await request('POST', '/v1/messages', { to: '+34600111222', text: 'hello' });
    expect(res.status).toBe(202);
    const failed = await waitForStatus(res.body.id, ['failed', 'sent', 'deferred']);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(1);
    expect(failed.events.at(-1).details).toMatchObject({
      reason: 'destination_not_allowed',
      provider: 'twilio-local',
    });
    expect(failed.events.at(-1).details.response).toMatch(/"127\.0\.0\.1" is a loopback address/);
    expect(JSON.stringify(failed)).not.toContain('SECRET-TOKEN');
    expect(secret.connections).toBe(before);
  });

  it('fails over to the next provider', async () => {
    const { projectId, request, waitForStatus } = await newProject(guarded);
    await saveUnchecked(projectId, {
      name: 'twilio-local',
      type: 'twilio',
      enabled: true,
      position: 0,
      config: { ...twilioAccount, from: 'Acme', baseUrl: `${secret.url}/` },
    });
    await saveUnchecked(projectId, {
      name: 'capture',
      type: 'capture',
      channel: 'sms',
      enabled: true,
      position: 1,
      config: {},
    });
    const res = await request('POST', '/v1/messages', { to: '+34600111222', text: 'hello' });
    const sent = await waitForStatus(res.body.id, ['sent', 'failed', 'deferred']);
    expect(sent).toMatchObject({ status: 'sent', provider: 'capture' });
    expect(sent.events.at(-1).details.failedOver).toEqual([
      { provider: 'twilio-local', error: expect.stringMatching(/loopback address/) },
    ]);
  });

  it('does not connect to a local SMTP relay or SMSC either', async () => {
    const relay = await startListener();
    const smsc = await startListener();
    try {
      const email = await newProject(guarded);
      await saveUnchecked(email.projectId, {
        name: 'relay',
        type: 'smtp',
        enabled: true,
        config: { url: `smtp://127.0.0.1:${relay.port}` },
      });
      const mail = await email.request('POST', '/v1/messages', {
        to: 'ana@example.com',
        subject: 'Hi',
        text: 'Hi',
      });
      const phone = await newProject(guarded);
      await saveUnchecked(phone.projectId, {
        name: 'smsc',
        type: 'smpp',
        enabled: true,
        config: { host: '127.0.0.1', port: smsc.port, systemId: 'aviso', password: 'secret', from: 'Acme' },
      });
      const text = await phone.request('POST', '/v1/messages', { to: '+34600111222', text: 'hello' });
      const [mailed, texted] = await Promise.all([
        email.waitForStatus(mail.body.id, ['failed', 'sent', 'deferred']),
        phone.waitForStatus(text.body.id, ['failed', 'sent', 'deferred']),
      ]);
      for (const message of [mailed, texted]) {
        expect(message.status).toBe('failed');
        expect(message.events.at(-1).details.reason).toBe('destination_not_allowed');
      }
      expect(relay.connections).toBe(0);
      expect(smsc.connections).toBe(0);
    } finally {
      await Promise.all([relay.close(), smsc.close()]);
    }
  });

  it('sends as before when AVISO_ALLOW_PRIVATE_DESTINATIONS=true, and not without it', async () => {
    const input = {
      name: 'twilio',
      type: 'twilio' as const,
      enabled: true,
      config: { ...twilioAccount, from: 'Acme', baseUrl: twilio.url },
    };
    const before = twilio.sent.length;
    const refusing = await newProject(guarded);
    await saveUnchecked(refusing.projectId, input);
    const refused = await refusing.request('POST', '/v1/messages', { to: '+34600111222', text: 'hello' });
    expect((await refusing.waitForStatus(refused.body.id, ['sent', 'failed', 'deferred'])).status).toBe(
      'failed',
    );
    expect(twilio.sent.length).toBe(before);

    const allowing = await newProject(open);
    await createProvider(
      open.database.db,
      open.services.aviso.secrets,
      allowing.projectId,
      input,
      openPolicy,
    );
    const res = await allowing.request('POST', '/v1/messages', { to: '+34600111222', text: 'hello' });
    const sent = await allowing.waitForStatus(res.body.id, ['sent', 'failed', 'deferred']);
    expect(sent).toMatchObject({ status: 'sent', provider: 'twilio' });
    expect(twilio.sent.some((m) => m.sid === sent.providerMessageId)).toBe(true);
  });
});

describe('connecting', () => {
  // Host names that exist only in the injected resolver: a send that reaches the fake proves
  // the connection went to the vetted address, not to a second lookup.
  it('connects HTTP providers to the vetted address, and refuses when it is not allowed', async () => {
    const port = new URL(twilio.url).port;
    const pinned = new TwilioProvider({
      ...twilioAccount,
      from: 'Aviso',
      baseUrl: `http://twilio.pinned.test:${port}`,
      destinations: { ...openPolicy, lookup: resolvingTo('127.0.0.1') },
    });
    const result = await pinned.send(sms());
    expect(twilio.sent.some((m) => m.sid === result.providerMessageId)).toBe(true);

    const before = twilio.sent.length;
    for (const provider of [
      new TwilioProvider({
        ...twilioAccount,
        from: 'Aviso',
        baseUrl: `http://twilio.pinned.test:${port}`,
        destinations: { ...guardedPolicy, lookup: resolvingTo('127.0.0.1') },
      }),
      new VonageProvider({
        ...vonageAccount,
        from: 'Aviso',
        baseUrl: twilio.url,
        destinations: guardedPolicy,
      }),
    ]) {
      const refusal = await provider.send(sms()).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(DestinationNotAllowedError);
      expect((refusal as Error).message).toMatch(/loopback address/);
    }
    const whatsapp = new WhatsAppCloudProvider({
      ...whatsappAccount,
      baseUrl: secret.url,
      destinations: guardedPolicy,
    });
    const refused = await whatsapp
      .send({
        id: 'msg_w',
        projectId: 'prj',
        priority: 'normal',
        to: '+34600111222',
        template: null,
        text: 'hi',
        validUntil: null,
      })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DestinationNotAllowedError);
    expect(twilio.sent.length).toBe(before);
  });

  it('connects the SMTP pool and the SMPP session to the vetted address, and refuses when it is not allowed', async () => {
    const sink: SmtpSink = await startSmtpSink();
    const listener = await startListener();
    const email: OutgoingEmail = {
      id: 'msg_e',
      projectId: 'prj',
      priority: 'normal',
      from: { email: 'a@aviso.test' },
      to: { email: 'ana@example.com' },
      replyTo: null,
      subject: 'Hi',
      html: null,
      text: 'Hi',
      headers: {},
      attachments: [],
      messageIdHeader: '<x@aviso.test>',
      returnPath: null,
      dkim: null,
    };
    const relay = new SmtpProvider(parseSmtpUrl(`smtp://relay.pinned.test:${sink.port}`), {
      ...openPolicy,
      lookup: resolvingTo('127.0.0.1'),
    });
    const refusing = new SmtpProvider(parseSmtpUrl(`smtp://relay.pinned.test:${sink.port}`), {
      ...guardedPolicy,
      lookup: resolvingTo('127.0.0.1'),
    });
    const smsc = new SmppProvider(
      {
        host: 'smsc.pinned.test',
        port: listener.port,
        systemId: 'aviso',
        password: 'secret',
        submitTimeoutMs: 300,
        destinations: { ...guardedPolicy, lookup: resolvingTo('10.1.2.3') },
      },
      () => {},
    );
    const fakeSmsc = await startFakeSmsc({ systemId: 'aviso', password: 'secret' });
    const pinnedSmsc = new SmppProvider(
      {
        host: 'smsc.pinned.test',
        port: fakeSmsc.port,
        systemId: 'aviso',
        password: 'secret',
        destinations: { ...openPolicy, lookup: resolvingTo('127.0.0.1') },
      },
      () => {},
    );
    try {
      await pinnedSmsc.send(sms());
      expect(fakeSmsc.submitted).toHaveLength(1);
      await relay.send(email);
      expect(sink.received).toHaveLength(1);
      const refusal = await refusing.send(email).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(DestinationNotAllowedError);
      expect(sink.received).toHaveLength(1);
      const smppRefusal = await smsc.send(sms()).catch((err: unknown) => err);
      expect(smppRefusal).toBeInstanceOf(DestinationNotAllowedError);
      expect((smppRefusal as Error).message).toMatch(
        /"smsc\.pinned\.test" resolves to 10\.1\.2\.3, a private address/,
      );
      expect(listener.connections).toBe(0);
    } finally {
      await Promise.all([relay.close(), refusing.close(), smsc.close(), pinnedSmsc.close()]);
      await Promise.all([sink.close(), listener.close(), fakeSmsc.close()]);
    }
  });
});

describe('what a provider answers', () => {
  // 50 KB with NUL, other control characters and a secret past the first 200 characters.
  const hostile = `${'Invalid number. '.repeat(20)}\u0000\u0007\u001b[31m${'x'.repeat(50_000)} SECRET-TOKEN-4242`;

  it('is stored as a short, clean snippet of its documented error message', async () => {
    const { projectId, request, waitForStatus } = await newProject(open);
    await createProvider(
      open.database.db,
      open.services.aviso.secrets,
      projectId,
      {
        name: 'twilio',
        type: 'twilio',
        enabled: true,
        config: { ...twilioAccount, from: 'Acme', baseUrl: twilio.url },
      },
      openPolicy,
    );
    twilio.failNumbers.set('+34600999888', { status: 400, code: 21211, message: hostile });
    const res = await request('POST', '/v1/messages', { to: '+34600999888', text: 'hello' });
    const failed = await waitForStatus(res.body.id, ['failed', 'sent', 'deferred']);
    expect(failed.status).toBe('failed');
    const details = failed.events.at(-1).details;
    expect(details.errorCode).toBe('21211');
    expect(Array.from(details.response as string).length).toBeLessThanOrEqual(200);
    expect(details.response).toMatch(/^Invalid number\. Invalid number\./);
    const stored = JSON.stringify(failed);
    expect(stored).not.toContain('SECRET-TOKEN');
    expect(stored).not.toMatch(/\\u0000|\\u0007|\\u001b/);
    expect(stored.length).toBeLessThan(3_000);
  });

  it('is stored as a short, clean snippet of a body without error fields', async () => {
    const server = http.createServer((_req, res) =>
      res.writeHead(500, { 'content-type': 'text/html' }).end(`<html>\u0000${hostile}</html>`),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { projectId, request, waitForStatus } = await newProject(open);
      await createProvider(
        open.database.db,
        open.services.aviso.secrets,
        projectId,
        {
          name: 'vonage',
          type: 'vonage',
          enabled: true,
          config: {
            ...vonageAccount,
            from: 'Acme',
            baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          },
        },
        openPolicy,
      );
      const res = await request('POST', '/v1/messages', { to: '+34600111222', text: 'hello' });
      const deferred = await waitForStatus(res.body.id, ['deferred', 'failed', 'sent']);
      expect(deferred.status).toBe('deferred');
      const details = deferred.events.at(-1).details;
      expect(Array.from(details.response as string).length).toBeLessThanOrEqual(200);
      expect(details.response).toMatch(/^<html> Invalid number\./);
      const stored = JSON.stringify(deferred);
      expect(stored).not.toContain('SECRET-TOKEN');
      expect(stored).not.toMatch(/\\u0000|\\u0007|\\u001b/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("is cut and cleaned the same way for every provider's documented error fields", () => {
    const json = (value: unknown) => JSON.stringify(value);
    const failures = [
      classifyTwilioFailure(400, json({ code: 21211, message: hostile }), null),
      (() => {
        try {
          readVonageAnswer(200, json({ messages: [{ status: '3', 'error-text': hostile }] }), null);
        } catch (err) {
          return err as PermanentError;
        }
        throw new Error('Vonage refused nothing');
      })(),
      graphFailure(400, { code: 131026, message: hostile, error_data: { details: hostile } }),
      classifySmtpFailure({ responseCode: 550, command: 'RCPT TO', response: `550 5.1.1 ${hostile}` }),
    ];
    for (const failure of failures) {
      const response = failure.details.response ?? '';
      expect(Array.from(response).length).toBeLessThanOrEqual(512);
      expect(response).toMatch(/Invalid number\. Invalid number\./);
      expect(`${failure.message} ${response}`).not.toMatch(/SECRET|\p{Cc}/u);
    }
    expect(Array.from(failures[0]?.details.response ?? '').length).toBeLessThanOrEqual(200);
  });
});
