// Public routes that recipients' mail clients reach: the open pixel (/t/o), click redirects
// (/t/c) and unsubscribe (/u). No API key: the signed token in the path is the only
// credential, and nothing in a token is used before its signature checks out. A click only
// ever redirects to the URL its token signed (no open redirect); a GET never unsubscribes
// (link scanners follow GETs), only the POST of the page's button or of RFC 8058 one-click.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { Secrets } from '../secrets/index.ts';
import { installationSecret } from '../settings/index.ts';
import {
  type EngagementHit,
  maskAddress,
  readToken,
  recordEngagement,
  unsubscribeMessage,
  unsubscribeTarget,
} from '../tracking/index.ts';
import { documentedAs } from './openapi.ts';
import { errorAnswers, mediaAnswer, noContent } from './schemas.ts';

export interface TrackingDeps {
  db: Kysely<Database>;
  secrets: Secrets;
  log: Logger;
}

/** A 1×1 transparent GIF (43 bytes). */
const pixelGif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const noStore = 'no-store, no-cache, must-revalidate, private';
const maxUserAgent = 512;

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => htmlEscapes[c] as string);

/** A self-contained page: no external assets, inline CSS only, every value escaped by the caller. */
function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light dark; }
  body { margin: 0; padding: 2rem 1rem; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    background: #f5f5f4; color: #1c1917; }
  main { max-width: 32rem; margin: 0 auto; padding: 1.5rem 2rem; background: #fff;
    border: 1px solid #d6d3d1; border-radius: 8px; }
  h1 { margin: 0 0 1rem; font-size: 1.5rem; line-height: 1.25; }
  button { min-height: 44px; padding: .6rem 1.5rem; font: inherit; font-weight: 600; color: #fff;
    background: #1d4ed8; border: 0; border-radius: 6px; cursor: pointer; }
  button:hover { background: #1e40af; }
  button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  @media (prefers-color-scheme: dark) {
    body { background: #1c1917; color: #f5f5f4; }
    main { background: #292524; border-color: #57534e; }
  }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${content}
</main>
</body>
</html>
`;
}

function sendPage(reply: FastifyReply, status: number, title: string, content: string) {
  return reply
    .code(status)
    .header('Cache-Control', noStore)
    .header('Referrer-Policy', 'no-referrer')
    .header('X-Robots-Tag', 'noindex')
    .header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .type('text/html; charset=utf-8')
    .send(page(title, content));
}

const invalidLink = (reply: FastifyReply) =>
  sendPage(
    reply,
    400,
    'This link is not valid',
    '<p>The link may have been copied incompletely. Try opening it again from the email.</p>',
  );

const goneLink = (reply: FastifyReply) =>
  sendPage(reply, 404, 'This link is no longer valid', '<p>The message it belongs to no longer exists.</p>');

/**
 * RFC 8058 §3.1: the one-click POST carries "List-Unsubscribe=One-Click", as
 * application/x-www-form-urlencoded or multipart/form-data.
 */
function saysOneClick(contentType: string | undefined, body: unknown): boolean {
  if (!Buffer.isBuffer(body) || body.length === 0) return false;
  const text = body.toString('utf8');
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
    if (!boundary) return false;
    return text.split(`--${boundary}`).some((part) => {
      const split = part.search(/\r?\n\r?\n/);
      if (split === -1) return false;
      const headers = part.slice(0, split);
      const value = part.slice(split).trim();
      return /\bname="?List-Unsubscribe"?(?:[;\s]|$)/i.test(headers) && /^One-Click$/i.test(value);
    });
  }
  return /^One-Click$/i.test(new URLSearchParams(text).get('List-Unsubscribe')?.trim() ?? '');
}

export async function trackingRoutes(app: FastifyInstance, deps: TrackingDeps) {
  const { db, log } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const secret = () => installationSecret(db, deps.secrets);
  // One-click POSTs come as forms (or empty): take any body as bytes, in this scope only.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_request, body, done) =>
    done(null, body),
  );

  const schema = (operationId: string, summary: string, description: string) => ({
    operationId,
    summary,
    description,
    tags: ['tracking'],
    security: [],
  });
  const token = (what: string) =>
    z
      .string()
      .meta({ description: `The signed ${what} token from the email: <payload>.<signature>, base64url.` });
  const tokenParams = z.object({ token: token('unsubscribe') });
  // Click tokens carry their URL and outgrow the router's 100-character limit on parameters, so
  // these routes match a wildcard; the document names the token, as the links in emails use it.
  const wildcardParams = z.object({ '*': z.string() });
  const wildcardAs = (url: string, what: string) =>
    documentedAs(url, { params: z.object({ token: token(what) }) });
  const page = (description: string) => mediaAnswer(description, { 'text/html': z.string() });
  const bodyTooLarge = { 413: 'The body is larger than 64 KiB.' };

  const hitOf = (request: FastifyRequest) => ({
    method: request.method,
    userAgent: request.headers['user-agent']?.slice(0, maxUserAgent) ?? null,
    ip: request.ip ?? null,
  });

  async function record(hit: EngagementHit): Promise<void> {
    try {
      await recordEngagement(db, hit);
    } catch (err) {
      // The reader still gets the pixel or the redirect; only the count is lost.
      log.error({ err, messageId: hit.messageId, kind: hit.kind }, 'recording an open or click failed');
    }
  }

  r.get(
    '/t/o/*',
    {
      config: { swaggerTransform: wildcardAs('/t/o/:token', 'open') },
      schema: {
        ...schema(
          'trackOpen',
          'Open pixel',
          'A 1×1 transparent GIF, whatever the token; a valid token records an `opened` event.',
        ),
        params: wildcardParams,
        response: {
          200: mediaAnswer('A 1×1 transparent GIF (43 bytes), never cached.', {
            'image/gif': z.string().meta({ contentMediaType: 'image/gif' }),
          }),
        },
      },
    },
    async (request, reply) => {
      const open = readToken('open', request.params['*'], await secret());
      if (open) await record({ kind: 'open', messageId: open.messageId, ...hitOf(request) });
      return reply
        .header('Cache-Control', noStore)
        .header('Pragma', 'no-cache')
        .header('Expires', '0')
        .type('image/gif')
        .send(pixelGif as never);
    },
  );

  const clickRoute = (method: 'GET' | 'HEAD', operationId: string) => ({
    method,
    url: '/t/c/*',
    config: { swaggerTransform: wildcardAs('/t/c/:token', 'click'), swagger: { exposeHeadRoute: true } },
    schema: {
      ...schema(
        operationId,
        method === 'GET' ? 'Click redirect' : 'Click redirect, as a HEAD (link scanners)',
        'Redirects (302) to the link the token signed and records a `clicked` event (a HEAD is recorded as a link scanner). An invalid token gets 400 and no redirect.',
      ),
      params: wildcardParams,
      response: {
        302: noContent('To the signed link.').meta({
          headers: { Location: { type: 'string', format: 'uri', description: 'The signed link.' } },
        }),
        400: page('The link is not valid (a page saying so).'),
      },
    },
  });
  const followClick = async (request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) => {
    const click = readToken('click', request.params['*'], await secret());
    // Defence in depth: even a signed URL is followed only when it is http(s).
    const target = click && URL.canParse(click.url) ? new URL(click.url) : null;
    if (!click || !target || !/^https?:$/.test(target.protocol)) return invalidLink(reply);
    await record({
      kind: 'click',
      messageId: click.messageId,
      url: click.url,
      linkIndex: click.linkIndex,
      ...hitOf(request),
    });
    return reply
      .header('Cache-Control', noStore)
      .header('Referrer-Policy', 'no-referrer')
      .redirect(target.href, 302);
  };
  // HEAD first: a GET route declared before would have Fastify add a HEAD route of its own.
  r.route({ ...clickRoute('HEAD', 'trackClickHead'), handler: followClick });
  r.route({ ...clickRoute('GET', 'trackClick'), handler: followClick });

  r.get(
    '/u/:token',
    {
      schema: {
        ...schema(
          'unsubscribePage',
          'Unsubscribe page',
          'Shows whose address and which sender, with a button that unsubscribes (a POST to the same URL). Does not unsubscribe by itself.',
        ),
        params: tokenParams,
        response: {
          200: page('The page, with its Unsubscribe button (or why there is nothing to unsubscribe from).'),
          400: page('The link is not valid (a page saying so).'),
          404: page('The message no longer exists (a page saying so).'),
        },
      },
    },
    async (request, reply) => {
      const token = readToken('unsubscribe', request.params.token, await secret());
      if (!token) return invalidLink(reply);
      const target = await unsubscribeTarget(db, token.messageId);
      if (!target) return goneLink(reply);
      const who = `<strong>${escapeHtml(maskAddress(target.address))}</strong>`;
      const from = `<strong>${escapeHtml(target.projectName)}</strong>`;
      if (target.stream !== 'promotional') {
        return sendPage(
          reply,
          200,
          'Nothing to unsubscribe from',
          `<p>This message was sent to ${who} by ${from} as a transactional message (such as a receipt or a password reset), not as marketing, so there is no list to leave.</p>`,
        );
      }
      return sendPage(
        reply,
        200,
        'Unsubscribe',
        `<p>Stop promotional emails from ${from} to ${who}?</p>
<p>You will still receive transactional messages such as receipts and password resets.</p>
<form method="post"><button type="submit">Unsubscribe</button></form>`,
      );
    },
  );

  r.post(
    '/u/:token',
    {
      schema: {
        ...schema(
          'unsubscribe',
          'Unsubscribe (RFC 8058 one-click, or the page’s button)',
          'Suppresses the recipient on the promotional stream of the message’s project and records one `unsubscribed` event; repeating it changes nothing. Body: `List-Unsubscribe=One-Click` (form-urlencoded or multipart), or empty.',
        ),
        params: tokenParams,
        response: {
          200: page('The confirmation (also when it was done before).'),
          400: page('The link is not valid (a page saying so).'),
          404: page('The message no longer exists (a page saying so).'),
          ...errorAnswers(bodyTooLarge),
        },
      },
    },
    async (request, reply) => {
      const token = readToken('unsubscribe', request.params.token, await secret());
      if (!token) return invalidLink(reply);
      const method = saysOneClick(request.headers['content-type'], request.body) ? 'one-click' : 'page';
      const { userAgent, ip } = hitOf(request);
      const result = await unsubscribeMessage(db, token.messageId, method, { userAgent, ip });
      if (result.outcome === 'not-found') return goneLink(reply);
      const who = `<strong>${escapeHtml(maskAddress(result.address))}</strong>`;
      const from = `<strong>${escapeHtml(result.projectName)}</strong>`;
      if (result.outcome === 'not-promotional') {
        return sendPage(
          reply,
          200,
          'Nothing to unsubscribe from',
          `<p>This was a transactional message from ${from}, not marketing: nothing was changed.</p>`,
        );
      }
      if (result.outcome === 'unsubscribed')
        log.info(
          { messageId: result.messageId, projectId: result.projectId, method },
          'recipient unsubscribed',
        );
      return sendPage(
        reply,
        200,
        'You are unsubscribed',
        `<p>${who} will no longer receive promotional emails from ${from}.</p>`,
      );
    },
  );
}
