// Open and click tracking and one-click unsubscribe, end to end: messages go through the
// worker and the capture provider, the links in the captured MIME are followed over real
// HTTP, and what was recorded is read back from the database.
import { type Kysely, sql } from 'kysely';
import { type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/index.ts';
import { newId } from '../src/ids/index.ts';
import { installationSecret } from '../src/settings/index.ts';
import { messageIdFromUnsubscribeToken, signToken } from '../src/tracking/index.ts';
import type { EventType } from '../src/vocabulary.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

let aviso: TestAviso;
let db: Kysely<Database>;

beforeAll(async () => {
  aviso = await startTestAviso({
    AVISO_TRUST_PROXY: 'true',
    AVISO_BOUNCE_DOMAIN: 'bounces.aviso.test',
  });
  db = aviso.database.db;
});

afterAll(async () => {
  await aviso?.stop();
});

const browser =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const shopUrl = 'https://shop.example/orders/1042?utm_source=mail&ref=a';
const html = `<html><body>
<p>Your order is on its way.</p>
<A class="button" HREF="https://shop.example/orders/1042?utm_source=mail&amp;ref=a"
   target=_blank>Track it</A>
<a href='https://shop.example/help'>Help</a>
<a href="mailto:help@shop.example">Write to us</a>
<a href="https://shop.example/private" data-aviso-track="off">Not tracked</a>
</body></html>`;

/** Sends a message, waits until the capture provider has it, returns the parsed MIME. */
async function send(body: Record<string, unknown>): Promise<{ id: string; mail: ParsedMail }> {
  const accepted = await aviso.request('POST', '/v1/messages', {
    body: { to: 'reader@example.com', ...(body.template ? {} : { subject: 'Your order' }), ...body },
  });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
  const id: string = accepted.body.id;
  await aviso.waitForStatus(id, ['sent']);
  const raw = await fetch(`${aviso.url}/v1/messages/${id}/raw`, {
    headers: { authorization: `Bearer ${aviso.key}` },
  });
  expect(raw.status).toBe(200);
  return { id, mail: await simpleParser(Buffer.from(await raw.arrayBuffer())) };
}

const sendTracked = () =>
  send({ html, text: 'Your order is on its way.', tracking: { opens: true, clicks: true } });

/** Pretends the message was handed to its provider `ago` ms before now (clicks soon after sending are scanners). */
async function setSentAt(id: string, agoMs: number): Promise<void> {
  await sql`
    UPDATE message_events SET created_at = now() - make_interval(secs => ${agoMs / 1000})
    WHERE message_id = ${id} AND type = 'sent'
  `.execute(db);
}

function clickLinks(mail: ParsedMail): string[] {
  const found = [...String(mail.html).matchAll(/href="([^"]+)"/g)].map((m) =>
    (m[1] as string).replace(/&amp;/g, '&'),
  );
  return found.filter((href) => href.startsWith(`${aviso.url}/t/c/`));
}

function pixel(mail: ParsedMail): string {
  const src = new RegExp(`<img src="(${aviso.url}/t/o/[^"]+)" width="1" height="1"`).exec(
    String(mail.html),
  )?.[1];
  expect(src).toBeDefined();
  return src as string;
}

async function events(id: string, type: EventType) {
  const rows = await db
    .selectFrom('message_events')
    .select(['details', 'created_at'])
    .where('message_id', '=', id)
    .where('type', '=', type)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.details);
}

const counters = (id: string) =>
  db
    .selectFrom('messages')
    .select([
      'open_count',
      'machine_open_count',
      'click_count',
      'machine_click_count',
      'first_opened_at',
      'first_clicked_at',
    ])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

const get = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(url, { method, headers: { 'user-agent': browser, ...headers }, redirect: 'manual' });

/** The same token with one character of its payload (0) or MAC (1) part changed. */
function alter(url: string, part: 0 | 1): string {
  const slash = url.lastIndexOf('/') + 1;
  const parts = url.slice(slash).split('.') as [string, string];
  const chars = [...parts[part]];
  chars[2] = chars[2] === 'A' ? 'B' : 'A';
  parts[part] = chars.join('');
  return url.slice(0, slash) + parts.join('.');
}

describe('open and click tracking', () => {
  it('rewrites the links and adds the pixel in the HTML that is sent, and leaves the text alone', async () => {
    const { mail } = await sendTracked();
    const page = String(mail.html);
    expect(clickLinks(mail)).toHaveLength(2);
    expect(page).toMatch(
      /<A class="button" href="http:\/\/127\.0\.0\.1:\d+\/t\/c\/[^"]+"\n {3}target=_blank>Track it<\/A>/,
    );
    expect(page).not.toContain('https://shop.example/orders');
    expect(page).not.toContain('https://shop.example/help');
    expect(page).toContain('<a href="mailto:help@shop.example">');
    expect(page).toContain('<a href="https://shop.example/private">Not tracked</a>');
    expect(page).not.toContain('data-aviso-track');
    expect(page).toMatch(/<img src="[^"]+\/t\/o\/[^"]+"[^>]*>\n?<\/body>/);
    expect(mail.text?.trim()).toBe('Your order is on its way.');
  });

  it('sends the HTML untouched without tracking', async () => {
    const { mail } = await send({ html, tracking: { opens: false, clicks: false } });
    expect(String(mail.html)).toContain('https://shop.example/orders/1042?utm_source=mail&amp;ref=a');
    expect(String(mail.html)).not.toContain('/t/');
  });

  it('records opens: the first human one, repeats, and privacy-proxy opens apart', async () => {
    const { id, mail } = await sendTracked();
    const url = pixel(mail);

    // Apple Mail Privacy Protection fetches first, on arrival: a machine, not the first open.
    const proxy = await get(url, { 'user-agent': 'Mozilla/5.0', 'x-forwarded-for': '17.58.1.2' });
    expect(proxy.status).toBe(200);
    expect((await events(id, 'opened'))[0]).toMatchObject({
      first: false,
      machine: 'privacy-proxy',
      proxy: 'apple',
      ip: '17.58.1.2',
    });
    expect(await counters(id)).toMatchObject({ open_count: 0, machine_open_count: 1, first_opened_at: null });

    const opened = await get(url, { 'x-forwarded-for': '203.0.113.7' });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe('image/gif');
    expect(opened.headers.get('cache-control')).toBe('no-store, no-cache, must-revalidate, private');
    const gif = Buffer.from(await opened.arrayBuffer());
    expect(gif.length).toBe(43);
    expect(gif.subarray(0, 6).toString()).toBe('GIF89a');

    await get(url, { 'x-forwarded-for': '203.0.113.7' });
    const opens = await events(id, 'opened');
    expect(opens).toHaveLength(3);
    expect(opens[1]).toEqual({
      first: true,
      userAgent: browser,
      ip: '203.0.113.7',
      machine: null,
      signal: null,
      proxy: null,
    });
    expect(opens[2]).toMatchObject({ first: false, machine: null });
    const after = await counters(id);
    expect(after).toMatchObject({ open_count: 2, machine_open_count: 1 });
    expect(after.first_opened_at).toBeInstanceOf(Date);
    // The API shows them as events of the message.
    const message = await aviso.request('GET', `/v1/messages/${id}`);
    expect(message.body.events.filter((e: { type: string }) => e.type === 'opened')).toHaveLength(3);
    expect(message.body.tracking).toMatchObject({
      opens: true,
      openCount: 2,
      machineOpenCount: 1,
      firstOpenedAt: after.first_opened_at?.toISOString(),
    });
  });

  it('redirects clicks to the original URL and records them; HEAD and scanners count as machines', async () => {
    const { id, mail } = await sendTracked();
    await setSentAt(id, 60_000);
    const [track, help] = clickLinks(mail) as [string, string];

    const clicked = await get(track, { 'x-forwarded-for': '198.51.100.4' });
    expect(clicked.status).toBe(302);
    expect(clicked.headers.get('location')).toBe(shopUrl);
    expect(clicked.headers.get('cache-control')).toContain('no-store');
    expect(await events(id, 'clicked')).toEqual([
      {
        first: true,
        url: shopUrl,
        linkIndex: 0,
        userAgent: browser,
        ip: '198.51.100.4',
        machine: null,
        signal: null,
        proxy: null,
      },
    ]);

    const head = await get(track, {}, 'HEAD');
    expect(head.status).toBe(302);
    expect(head.headers.get('location')).toBe(shopUrl);
    const scanner = await get(track, { 'user-agent': 'Mozilla/5.0 (compatible; BingPreview/1.0b)' });
    expect(scanner.status).toBe(302);
    // A second link, more than a second later: a person again.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await get(help)).headers.get('location')).toBe('https://shop.example/help');

    const clicks = await events(id, 'clicked');
    expect(clicks.slice(1)).toEqual([
      expect.objectContaining({ first: false, machine: 'link-scanner', signal: 'head-request' }),
      expect.objectContaining({ first: false, machine: 'link-scanner', signal: 'user-agent:bingpreview' }),
      expect.objectContaining({
        first: false,
        machine: null,
        url: 'https://shop.example/help',
        linkIndex: 1,
      }),
    ]);
    const after = await counters(id);
    expect(after).toMatchObject({ click_count: 2, machine_click_count: 2, open_count: 0 });
    expect(after.first_clicked_at).toBeInstanceOf(Date);
  });

  it('takes clicks right after sending, and several links at once, for a link scanner', async () => {
    const { id, mail } = await sendTracked();
    const [track, help] = clickLinks(mail) as [string, string];
    await setSentAt(id, 0);
    expect((await get(track)).status).toBe(302);
    await setSentAt(id, 60_000);
    expect((await get(help)).status).toBe(302);
    expect(await events(id, 'clicked')).toEqual([
      expect.objectContaining({ machine: 'link-scanner', signal: 'right-after-sending', first: false }),
      expect.objectContaining({ machine: 'link-scanner', signal: 'several-links-at-once', first: false }),
    ]);
    expect(await counters(id)).toMatchObject({
      click_count: 0,
      machine_click_count: 2,
      first_clicked_at: null,
    });
  });

  it('refuses altered tokens: no redirect, nothing recorded', async () => {
    const { id, mail } = await sendTracked();
    await setSentAt(id, 60_000);
    const [track] = clickLinks(mail) as [string];
    const token = track.slice(track.lastIndexOf('/') + 1);
    const [payload, mac] = token.split('.') as [string, string];
    // The same message and link index, with the URL swapped, under the original MAC.
    const bytes = Buffer.from(payload, 'base64url');
    const evilPayload = Buffer.concat([bytes.subarray(0, 18), Buffer.from('https://evil.example/')]);
    const swapped = `${aviso.url}/t/c/${evilPayload.toString('base64url')}.${mac}`;
    const openAsClick = pixel(mail).replace('/t/o/', '/t/c/');

    for (const url of [alter(track, 0), alter(track, 1), swapped, openAsClick, `${aviso.url}/t/c/nonsense`]) {
      const refused = await get(url);
      expect(refused.status, url).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
      expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
      const text = await refused.text();
      expect(text).toContain('This link is not valid');
      expect(text).not.toContain('evil.example');
    }
    // A click token in the open pixel's place: still a GIF, nothing recorded.
    const clickAsOpen = await get(track.replace('/t/c/', '/t/o/'));
    expect(clickAsOpen.status).toBe(200);
    expect(clickAsOpen.headers.get('content-type')).toBe('image/gif');
    const altered = await get(alter(pixel(mail), 1));
    expect(altered.headers.get('content-type')).toBe('image/gif');

    expect(await events(id, 'clicked')).toEqual([]);
    expect(await events(id, 'opened')).toEqual([]);
    expect(await counters(id)).toMatchObject({ click_count: 0, machine_click_count: 0, open_count: 0 });
  });

  it('still redirects a signed link whose message no longer exists, recording nothing', async () => {
    const secret = await installationSecret(db, aviso.services.aviso.secrets);
    const messageId = newId('msg');
    const token = signToken(
      { kind: 'click', messageId, url: 'https://shop.example/gone', linkIndex: 0 },
      secret,
    );
    const response = await get(`${aviso.url}/t/c/${token}`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://shop.example/gone');
    const open = await get(`${aviso.url}/t/o/${signToken({ kind: 'open', messageId }, secret)}`);
    expect(open.status).toBe(200);
    expect(await events(messageId, 'clicked')).toEqual([]);
  });

  it('lists the public routes in the OpenAPI document without security', async () => {
    const { body } = await aviso.request('GET', '/openapi.json');
    expect(body.paths['/t/c/{token}'].get).toMatchObject({ tags: ['tracking'], security: [] });
    expect(body.paths['/t/o/{token}'].get).toMatchObject({ tags: ['tracking'], security: [] });
    expect(body.paths['/u/{token}'].post).toMatchObject({ tags: ['tracking'], security: [] });
  });
});

describe('unsubscribe', () => {
  function header(mail: ParsedMail, name: string): string | undefined {
    const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line;
    return line?.replace(/\r?\n[ \t]+/g, ' ').replace(/^[^:]+:\s*/, '');
  }

  const unsubscribeLink = (mail: ParsedMail) =>
    (/<(http[^>]+\/u\/[^>]+)>/.exec(header(mail, 'List-Unsubscribe') ?? '') as RegExpExecArray)[1] as string;

  const suppressions = (address: string) =>
    db
      .selectFrom('suppressions')
      .select(['stream', 'reason', 'message_id', 'created_by'])
      .where('address', '=', address)
      .execute();

  const oneClick = (url: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Gmail one-click' },
      body: 'List-Unsubscribe=One-Click',
    });

  it('gives promotional email List-Unsubscribe (https and mailto) and List-Unsubscribe-Post; transactional none', async () => {
    const { id, mail } = await send({ html: '<p>Sale</p>', stream: 'promotional' });
    const value = header(mail, 'List-Unsubscribe') ?? '';
    const match = new RegExp(
      `^<${aviso.url}/u/([A-Za-z0-9_.-]+)>, <mailto:unsubscribe\\+([A-Za-z0-9_.-]+)@bounces\\.aviso\\.test\\?subject=unsubscribe>$`,
    ).exec(value);
    expect(match, value).not.toBeNull();
    expect(match?.[1]).toBe(match?.[2]);
    expect(
      messageIdFromUnsubscribeToken(
        match?.[2] as string,
        await installationSecret(db, aviso.services.aviso.secrets),
      ),
    ).toBe(id);
    expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');

    const transactional = await send({ html: '<p>Receipt</p>', headers: { 'X-Order': '1' } });
    expect(header(transactional.mail, 'List-Unsubscribe')).toBeUndefined();
    expect(header(transactional.mail, 'List-Unsubscribe-Post')).toBeUndefined();
    expect(header(transactional.mail, 'X-Order')).toBe('1');
  });

  it('fills the {{ unsubscribe_url }} of a template with the message’s own link, never click-tracked', async () => {
    const created = await aviso.request('POST', '/v1/templates', {
      body: {
        key: 'newsletter',
        name: 'Newsletter',
        category: 'promotional',
        locales: {
          en: {
            email: {
              subject: 'News',
              html: '<p>Hi {{ name }}</p><a href="https://shop.example/sale">Sale</a><a href="{{ unsubscribe_url }}">Unsubscribe</a>',
              text: 'Hi {{ name }}. Unsubscribe: {{ unsubscribe_url }}',
            },
          },
        },
      },
    });
    expect(created.status).toBe(201);
    const template = await aviso.request('GET', '/v1/templates/newsletter');
    expect(template.body.variables.paths.map((p: { path: string }) => p.path)).toEqual(['name']);
    expect((await aviso.request('POST', '/v1/templates/newsletter/publish')).status).toBe(201);
    const { mail } = await send({
      to: 'letters@example.com',
      template: 'newsletter',
      data: { name: 'Ana' },
      tracking: { clicks: true },
    });
    const link = unsubscribeLink(mail);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.html).toContain(`${aviso.url}/t/c/`);
    expect(mail.html).not.toContain('aviso.invalid');
    expect(mail.text).toContain(`Unsubscribe: ${link}`);
    expect((await oneClick(link)).status).toBe(200);
    expect(await suppressions('letters@example.com')).toEqual([
      expect.objectContaining({ reason: 'unsubscribe' }),
    ]);
  });

  it('one-click POST suppresses the promotional stream only, once', async () => {
    const to = 'one-click@example.com';
    const { id, mail } = await send({ to, html: '<p>Sale</p>', stream: 'promotional' });
    const url = unsubscribeLink(mail);

    const first = await oneClick(url);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('You are unsubscribed');
    expect(await suppressions(to)).toEqual([
      { stream: 'promotional', reason: 'unsubscribe', message_id: id, created_by: 'recipient' },
    ]);
    expect(await events(id, 'unsubscribed')).toEqual([
      { method: 'one-click', userAgent: 'Gmail one-click', ip: '127.0.0.1' },
    ]);

    // Again, as multipart, and once more from the page: the same answer, nothing new.
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const again = await fetch(url, { method: 'POST', body: form });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('You are unsubscribed');
    expect((await fetch(url, { method: 'POST' })).status).toBe(200);
    expect(await events(id, 'unsubscribed')).toHaveLength(1);
    expect(await suppressions(to)).toHaveLength(1);
    const audit = await db.selectFrom('suppression_audit').selectAll().where('address', '=', to).execute();
    expect(audit).toEqual([
      expect.objectContaining({ stream: 'promotional', action: 'added', actor: 'recipient' }),
    ]);
  });

  it('the page shows the masked address and does not unsubscribe; its button does', async () => {
    const to = 'jordan@example.com';
    const { id, mail } = await send({ to, html: '<p>Sale</p>', stream: 'promotional' });
    const url = unsubscribeLink(mail);
    const shown = await fetch(url);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await shown.text();
    expect(text).toContain('j***@example.com');
    expect(text).not.toContain('jordan');
    expect(text).toContain(aviso.services.aviso.defaultProject.name);
    expect(text).toMatch(/<form method="post"><button type="submit">Unsubscribe<\/button><\/form>/);
    expect(text).not.toMatch(/<(link|script)\b|src=/);
    expect(await suppressions(to)).toEqual([]);
    expect(await events(id, 'unsubscribed')).toEqual([]);

    // The button: a form POST with an empty body.
    const pressed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(pressed.status).toBe(200);
    expect(await events(id, 'unsubscribed')).toEqual([expect.objectContaining({ method: 'page' })]);
    expect((await suppressions(to)).map((s) => s.stream)).toEqual(['promotional']);
  });

  it('does nothing for a transactional message', async () => {
    const to = 'receipts@example.com';
    const { id } = await send({ to, html: '<p>Receipt</p>' });
    const token = signToken(
      { kind: 'unsubscribe', messageId: id },
      await installationSecret(db, aviso.services.aviso.secrets),
    );
    const response = await oneClick(`${aviso.url}/u/${token}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Nothing to unsubscribe from');
    expect(await suppressions(to)).toEqual([]);
    expect(await events(id, 'unsubscribed')).toEqual([]);
  });

  it('refuses bad tokens with a 400 page', async () => {
    const { id, mail } = await send({
      to: 'bad-token@example.com',
      html: '<p>Sale</p>',
      stream: 'promotional',
    });
    const url = unsubscribeLink(mail);
    const openToken = signToken(
      { kind: 'open', messageId: id },
      await installationSecret(db, aviso.services.aviso.secrets),
    );
    for (const bad of [alter(url, 0), alter(url, 1), `${aviso.url}/u/${openToken}`, `${aviso.url}/u/x`]) {
      const shown = await fetch(bad);
      expect(shown.status, bad).toBe(400);
      expect(await shown.text()).toContain('This link is not valid');
      expect((await oneClick(bad)).status).toBe(400);
    }
    expect(await suppressions('bad-token@example.com')).toEqual([]);
    expect(await events(id, 'unsubscribed')).toEqual([]);
  });
});
