// A local stand-in for Meta's Graph API (WhatsApp Cloud API) on 127.0.0.1: it takes sends,
// lists templates, and posts signed webhooks, refusing what the real service refuses with the
// same status and error body (shared/providers/whatsapp-cloud.md). Its template checks are
// written from Meta's rules, not with Aviso's countParameters, so a bug there shows.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FakeTemplateComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: { type: string; text?: string; url?: string }[];
}

export interface FakeTemplate {
  name: string;
  language: string;
  /** Default APPROVED. */
  status?: string;
  /** Default UTILITY. */
  category?: string;
  components: FakeTemplateComponent[];
}

export interface FakeWhatsAppOptions {
  accessToken: string;
  appSecret: string;
  phoneNumberId: string;
  wabaId: string;
  templates: FakeTemplate[];
}

interface SentWhatsApp {
  /** The wamid answered. */
  id: string;
  to: string;
  /** The request body as parsed JSON. */
  body: Record<string, unknown>;
  /** Arrival time, ms since the epoch. */
  at: number;
}

interface GraphErrorReply {
  /** HTTP status. */
  status: number;
  code: number;
  message?: string;
  details?: string;
}

interface StatusOptions {
  errors?: { code: number; title: string; message?: string; details?: string }[];
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sign with another secret. */
  badSignature?: boolean;
  /** Leave X-Hub-Signature-256 out. */
  unsigned?: boolean;
}

export interface FakeWhatsApp {
  url: string;
  /** Accepted messages, in arrival order. */
  sent: SentWhatsApp[];
  /** Recipients (digits, no "+") answered with 131026. */
  notOnWhatsApp: Set<string>;
  /** Answer 130429 when more than this many requests arrive within one second; default off. */
  throughputLimit: number | null;
  /** Answer 131056 to a recipient who got a message (in `sent`) less than 6 s ago; default off. */
  pairRateLimit: boolean;
  /** Wait this long before answering any request. */
  replyDelayMs: number;
  /** The next `n` authorized requests get this error, or a dropped connection. */
  failNext(n: number, reply: GraphErrorReply | 'drop'): void;
  setTemplateStatus(name: string, language: string, status: string): void;
  sendStatus(webhookUrl: string, wamid: string, status: string, options?: StatusOptions): Promise<number>;
  sendInbound(webhookUrl: string, from: string, text: string): Promise<number>;
  verifyWebhook(
    webhookUrl: string,
    token: string,
    challenge: string,
  ): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

const displayPhoneNumber = '15550001111';

function graphError(res: ServerResponse, reply: GraphErrorReply): void {
  const error: Record<string, unknown> = {
    message: reply.message ?? `(#${reply.code}) Error`,
    type: 'OAuthException',
    code: reply.code,
    fbtrace_id: randomBytes(12).toString('base64url'),
  };
  if (reply.details !== undefined)
    error.error_data = { messaging_product: 'whatsapp', details: reply.details };
  json(res, reply.status, { error });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

/** JSON as Meta's webhooks write it: non-ASCII as \uXXXX and "/" as "\/". */
function metaJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replaceAll('/', '\\/');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const newWamid = () => `wamid.${randomBytes(30).toString('base64')}`;

/** The highest {{n}} of a text: what Meta expects as the count of localizable params. */
function expectedParams(text: string | undefined): number {
  return Math.max(0, ...[...(text ?? '').matchAll(/\{\{(\d+)\}\}/g)].map((m) => Number(m[1])));
}

type Problem = GraphErrorReply | null;

const invalidParameter = (details: string): GraphErrorReply => ({
  status: 400,
  code: 100,
  message: '(#100) Invalid parameter',
  details,
});

const paramMismatch = (details: string): GraphErrorReply => ({
  status: 400,
  code: 132000,
  message: '(#132000) Number of parameters does not match the expected number of params',
  details,
});

/** Meta's checks of a template send against the stored template. */
function checkTemplate(templates: FakeTemplate[], template: unknown): Problem {
  const t = template as {
    name?: unknown;
    language?: { code?: unknown };
    components?: { type?: string; sub_type?: string; index?: unknown; parameters?: { type?: string }[] }[];
  };
  if (typeof t?.name !== 'string' || typeof t.language?.code !== 'string') {
    return invalidParameter('template.name and template.language.code are required');
  }
  const stored = templates.find((s) => s.name === t.name && s.language === t.language?.code);
  const status = stored?.status ?? 'APPROVED';
  if (stored && status === 'PAUSED') {
    return {
      status: 400,
      code: 132015,
      message: '(#132015) Template is Paused',
      details: `Template ${t.name} is paused due to low quality, so it can't be sent in a template message.`,
    };
  }
  if (!stored || status !== 'APPROVED') {
    return {
      status: 404,
      code: 132001,
      message: '(#132001) Template name does not exist in the translation',
      details: `template name (${t.name}) does not exist in ${t.language.code}`,
    };
  }
  const components = Array.isArray(t.components) ? t.components : [];
  const given = (type: string) => components.find((c) => c.type === type)?.parameters ?? [];
  const header = stored.components.find((c) => c.type === 'HEADER');
  const format = header?.format ?? 'TEXT';
  const wantHeader = !header ? 0 : format === 'TEXT' ? expectedParams(header.text) : 1;
  const headerParams = given('header');
  if (headerParams.length !== wantHeader) {
    return paramMismatch(
      `header: number of localizable_params (${headerParams.length}) does not match the expected number of params (${wantHeader})`,
    );
  }
  if (format !== 'TEXT' && headerParams[0]?.type !== format.toLowerCase()) {
    return {
      status: 400,
      code: 132012,
      message: '(#132012) Parameter format does not match format in the created template',
      details: `header: Format mismatch, expected ${format}, received ${String(headerParams[0]?.type).toUpperCase()}`,
    };
  }
  const wantBody = expectedParams(stored.components.find((c) => c.type === 'BODY')?.text);
  const bodyParams = given('body');
  if (bodyParams.length !== wantBody) {
    return paramMismatch(
      `body: number of localizable_params (${bodyParams.length}) does not match the expected number of params (${wantBody})`,
    );
  }
  const buttons = stored.components.find((c) => c.type === 'BUTTONS')?.buttons ?? [];
  for (const [index, button] of buttons.entries()) {
    // A URL button with a dynamic suffix takes it; an OTP (copy code) button takes the code.
    const want =
      button.type === 'OTP' || (button.type === 'URL' && /\{\{1\}\}/.test(button.url ?? '')) ? 1 : 0;
    const params =
      components.find((c) => c.type === 'button' && c.sub_type === 'url' && String(c.index) === String(index))
        ?.parameters ?? [];
    if (params.length !== want) {
      return paramMismatch(
        `buttons[${index}]: number of localizable_params (${params.length}) does not match the expected number of params (${want})`,
      );
    }
  }
  return null;
}

export async function startFakeWhatsApp(options: FakeWhatsAppOptions): Promise<FakeWhatsApp> {
  const templates: FakeTemplate[] = options.templates.map((t) => ({ ...t }));
  const arrivals: number[] = [];
  const failures: (GraphErrorReply | 'drop')[] = [];

  const sign = (body: string, secret = options.appSecret) =>
    `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  const post = async (webhookUrl: string, payload: unknown, opts: StatusOptions = {}) => {
    const body = metaJson(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!opts.unsigned)
      headers['x-hub-signature-256'] = sign(body, opts.badSignature ? 'not-the-secret' : undefined);
    const res = await fetch(webhookUrl, { method: 'POST', headers, body });
    await res.arrayBuffer();
    return res.status;
  };

  const notification = (value: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: options.wabaId,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: displayPhoneNumber, phone_number_id: options.phoneNumberId },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  });

  const authorized = (req: IncomingMessage) => req.headers.authorization === `Bearer ${options.accessToken}`;

  async function sendMessage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = Date.now();
    arrivals.push(arrived);
    while (arrivals.length > 0 && (arrivals[0] ?? 0) <= arrived - 1000) arrivals.shift();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return graphError(res, invalidParameter('The request body is not valid JSON'));
    }
    if (fake.throughputLimit !== null && arrivals.length > fake.throughputLimit) {
      return graphError(res, {
        status: 400,
        code: 130429,
        message: '(#130429) Rate limit hit',
        details: 'Cloud API message throughput has been reached.',
      });
    }
    if (body.messaging_product !== 'whatsapp') {
      return graphError(
        res,
        invalidParameter('The parameter messaging_product is required and must be "whatsapp".'),
      );
    }
    const to = body.to;
    if (typeof to !== 'string' || !/^\d{6,15}$/.test(to)) {
      return graphError(res, invalidParameter('The parameter to must be a phone number in digits.'));
    }
    let problem: Problem = null;
    if (body.type === 'template') {
      problem = checkTemplate(templates, body.template);
    } else if (body.type === 'text') {
      const text = body.text as { body?: unknown } | undefined;
      if (typeof text?.body !== 'string' || text.body === '')
        problem = invalidParameter('text.body is required');
    } else {
      problem = {
        status: 400,
        code: 131051,
        message: '(#131051) Unsupported message type',
        details: `Message type ${String(body.type)} is not supported.`,
      };
    }
    if (problem) return graphError(res, problem);
    if (fake.notOnWhatsApp.has(to)) {
      return graphError(res, {
        status: 400,
        code: 131026,
        message: '(#131026) Message undeliverable',
        details: 'Message Undeliverable.',
      });
    }
    const last = fake.sent.findLast((s) => s.to === to)?.at;
    if (fake.pairRateLimit && last !== undefined && arrived - last < 6_000) {
      return graphError(res, {
        status: 400,
        code: 131056,
        message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
        details:
          'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
      });
    }
    const id = newWamid();
    fake.sent.push({ id, to, body, at: arrived });
    json(res, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: to }],
      messages: [body.type === 'template' ? { id, message_status: 'accepted' } : { id }],
    });
  }

  function listTemplates(url: URL, res: ServerResponse): void {
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 25) || 25, 1), 1000);
    const after = url.searchParams.get('after');
    const start = after ? Number(Buffer.from(after, 'base64url').toString()) : 0;
    const page = templates.slice(start, start + limit);
    const cursor = (n: number) => Buffer.from(String(n)).toString('base64url');
    const paging: Record<string, unknown> = {
      cursors: { before: cursor(start), after: cursor(start + page.length) },
    };
    if (start + limit < templates.length) {
      const next = new URL(url.pathname, fake.url);
      next.searchParams.set('limit', String(limit));
      next.searchParams.set('after', cursor(start + limit));
      paging.next = next.href;
    }
    json(res, 200, {
      data: page.map((t, i) => ({
        name: t.name,
        parameter_format: 'POSITIONAL',
        components: t.components,
        language: t.language,
        status: t.status ?? 'APPROVED',
        category: t.category ?? 'UTILITY',
        id: String(1_000_000_000_000 + start + i),
      })),
      paging,
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (fake.replyDelayMs > 0) await new Promise((r) => setTimeout(r, fake.replyDelayMs));
    const url = new URL(req.url ?? '/', fake.url);
    const [version, node, edge, ...rest] = url.pathname.split('/').filter(Boolean);
    if (!version || !/^v\d+\.\d+$/.test(version) || !node || !edge || rest.length > 0) {
      return graphError(res, {
        status: 400,
        code: 2500,
        message: `Unknown path components: ${url.pathname}`,
      });
    }
    if (!authorized(req)) {
      return graphError(res, {
        status: 401,
        code: 190,
        message: 'Invalid OAuth access token - Cannot parse access token',
      });
    }
    const failure = failures.shift();
    if (failure === 'drop') {
      req.socket.destroy();
      return;
    }
    if (failure) return graphError(res, failure);
    if (req.method === 'POST' && edge === 'messages' && node === options.phoneNumberId) {
      return sendMessage(req, res);
    }
    if (req.method === 'GET' && edge === 'message_templates' && node === options.wabaId) {
      return listTemplates(url, res);
    }
    return graphError(res, {
      status: 400,
      code: 100,
      message: `Unsupported ${req.method?.toLowerCase()} request. Object with ID '${node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) graphError(res, { status: 500, code: 1, message: String(err) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeWhatsApp = {
    url: `http://127.0.0.1:${port}`,
    sent: [],
    notOnWhatsApp: new Set(),
    throughputLimit: null,
    pairRateLimit: false,
    replyDelayMs: 0,
    failNext(n, reply) {
      for (let i = 0; i < n; i++) failures.push(reply);
    },
    setTemplateStatus(name, language, status) {
      const template = templates.find((t) => t.name === name && t.language === language);
      if (!template) throw new Error(`no template ${name} in ${language}`);
      template.status = status;
    },
    sendStatus(webhookUrl, wamid, status, opts = {}) {
      const sent = fake.sent.find((s) => s.id === wamid);
      const entry: Record<string, unknown> = {
        id: wamid,
        status,
        timestamp: String(opts.timestamp ?? Math.floor(Date.now() / 1000)),
        recipient_id: sent?.to ?? '34600111222',
      };
      if (status !== 'failed') {
        entry.pricing = { billable: true, pricing_model: 'PMP', category: 'utility' };
      }
      if (opts.errors) {
        entry.errors = opts.errors.map((e) => ({
          code: e.code,
          title: e.title,
          message: e.message ?? e.title,
          error_data: { details: e.details ?? e.title },
        }));
      }
      return post(webhookUrl, notification({ statuses: [entry] }), opts);
    },
    sendInbound(webhookUrl, from, text) {
      const waId = from.replace(/^\+/, '');
      return post(
        webhookUrl,
        notification({
          contacts: [{ profile: { name: 'Test User' }, wa_id: waId }],
          messages: [
            {
              from: waId,
              id: newWamid(),
              timestamp: String(Math.floor(Date.now() / 1000)),
              type: 'text',
              text: { body: text },
            },
          ],
        }),
      );
    },
    async verifyWebhook(webhookUrl, token, challenge) {
      const url = new URL(webhookUrl);
      url.searchParams.set('hub.mode', 'subscribe');
      url.searchParams.set('hub.challenge', challenge);
      url.searchParams.set('hub.verify_token', token);
      const res = await fetch(url);
      return { status: res.status, body: await res.text() };
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
