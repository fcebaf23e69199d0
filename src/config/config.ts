// The one typed configuration object, read from the environment and an optional
// aviso.config.json. Every tunable has a name, a default and a line of documentation
// here; nothing else in the code reads process.env.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseUntrustedJson } from '../records/index.ts';

const durationSeconds = (def: number) =>
  z.coerce
    .number({ error: 'must be a number of seconds' })
    .positive({ error: 'must be more than 0 seconds' })
    .default(def);

const wholeNumber = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

/**
 * One entry per setting: environment name, config-file key, default and documentation (Markdown:
 * code in backticks). `aviso --help` and the README's table are generated from it (config-docs.ts).
 */
export const settings = {
  databaseUrl: {
    env: 'DATABASE_URL',
    doc: 'PostgreSQL connection URL. Unset: an embedded PostgreSQL in `AVISO_DATA_DIR`.',
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  },
  dataDir: {
    env: 'AVISO_DATA_DIR',
    doc: 'Where the embedded PostgreSQL keeps its data (as root, when the `postgres` user cannot reach this folder, e.g. under `/root`, the cluster itself goes to `/var/lib/aviso/<id>` and the folder records where; binaries it cannot run in node_modules are copied to `/var/lib/aviso/postgresql-<version>`).',
    schema: z.string().min(1).default('./.aviso'),
  },
  host: {
    env: 'AVISO_HOST',
    doc: 'Address the HTTP API listens on.',
    schema: z.string().min(1).default('127.0.0.1'),
  },
  port: {
    env: 'AVISO_PORT',
    doc: 'Port the HTTP API listens on (0 picks a free one).',
    schema: wholeNumber(0, 65535).default(8080),
  },
  smtpUrl: {
    env: 'AVISO_SMTP_URL',
    doc: 'Email provider for projects without one configured: `smtp://user:pass@host:port` or `smtps://…` (query: `pool=N` connections, `urgent_pool=N` for high priority, `verify_tls=false` for self-signed relays). Unset: the capture provider, which stores messages and delivers nothing.',
    schema: z
      .string()
      .regex(/^smtps?:\/\/[^/]+/, 'must look like smtp://user:pass@host:port or smtps://host:port')
      .optional(),
  },
  publicUrl: {
    env: 'AVISO_PUBLIC_URL',
    doc: 'The URL providers reach this API at, for delivery callbacks and webhooks (e.g. `https://aviso.example.com`). Unset: the address the API listens on.',
    schema: z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
  },
  from: {
    env: 'AVISO_FROM',
    doc: 'Default sender when a message has no `from` (an address or `Name <address>`).',
    schema: z.string().min(3).optional(),
  },
  maxAttachmentBytes: {
    env: 'AVISO_MAX_ATTACHMENT_BYTES',
    doc: 'Largest total size of one message’s attachments, decoded (413 above).',
    schema: wholeNumber(1, 2 ** 31).default(10 * 1024 * 1024),
  },
  maxBatchBytes: {
    env: 'AVISO_MAX_BATCH_BYTES',
    doc: 'Largest request body accepted by `POST /v1/messages/batch`.',
    schema: wholeNumber(1, 2 ** 31).default(50 * 1024 * 1024),
  },
  templateThreads: {
    env: 'AVISO_TEMPLATE_THREADS',
    doc: 'Threads that check, compile and render templates, away from the thread that answers requests (each keeps its own cache of compiled templates).',
    schema: wholeNumber(1, 64).default(2),
  },
  templateTimeLimitMs: {
    env: 'AVISO_TEMPLATE_TIME_LIMIT_MS',
    doc: 'Milliseconds of template work one request may use (checking and compiling a template, or rendering every message of a batch); beyond it the work is stopped and the request answers 422 template_too_slow.',
    schema: wholeNumber(100, 600_000).default(10_000),
  },
  workerConcurrency: {
    env: 'AVISO_WORKER_CONCURRENCY',
    doc: 'Messages one worker sends at once (all priorities).',
    schema: wholeNumber(1, 1000).default(32),
  },
  workerUrgentConcurrency: {
    env: 'AVISO_WORKER_URGENT_CONCURRENCY',
    doc: 'Extra slots one worker keeps for high-priority messages only, so they never wait behind bulk.',
    schema: wholeNumber(1, 100).default(4),
  },
  workerPollMs: {
    env: 'AVISO_WORKER_POLL_MS',
    doc: 'How often an idle worker looks for due jobs when no notification arrives (scheduled sends).',
    schema: wholeNumber(10, 3_600_000).default(500),
  },
  jobLeaseSeconds: {
    env: 'AVISO_JOB_LEASE_SECONDS',
    doc: 'How long a claimed job stays locked if its worker hangs without dying (dead workers are detected at once).',
    schema: durationSeconds(600),
  },
  retryBaseSeconds: {
    env: 'AVISO_RETRY_BASE_SECONDS',
    doc: 'First retry delay after a temporary failure; doubles each attempt, with ±50 % jitter.',
    schema: durationSeconds(30),
  },
  retryMaxSeconds: {
    env: 'AVISO_RETRY_MAX_SECONDS',
    doc: 'Longest delay between two attempts.',
    schema: durationSeconds(3600),
  },
  emailRetryHorizonSeconds: {
    env: 'AVISO_EMAIL_RETRY_HORIZON_SECONDS',
    doc: 'How long after acceptance an email is retried before it ends as failed (3 days).',
    schema: durationSeconds(3 * 24 * 3600),
  },
  smsRetryHorizonSeconds: {
    env: 'AVISO_SMS_RETRY_HORIZON_SECONDS',
    doc: 'How long after acceptance an SMS is retried before it ends as failed (a message’s `validFor` can make it shorter: it then ends `expired`).',
    schema: durationSeconds(3600),
  },
  whatsappRetryHorizonSeconds: {
    env: 'AVISO_WHATSAPP_RETRY_HORIZON_SECONDS',
    doc: 'How long after acceptance a WhatsApp message is retried before it ends as failed.',
    schema: durationSeconds(3600),
  },
  bounceDomain: {
    env: 'AVISO_BOUNCE_DOMAIN',
    doc: 'Domain of the return path (VERP): each email is sent with envelope sender `bounces+<message id>-<tag>@<this domain>`, whose MX must point at the bounce listener (or a relay that forwards to `POST /v1/inbound/bounce`). Also the domain of the `mailto:` unsubscribe address. Unset: the envelope sender is the From address and bounces are matched by the quoted Message-ID.',
    schema: z
      .string()
      .toLowerCase()
      .regex(
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
        'must be a domain name such as bounces.example.com',
      )
      .optional(),
  },
  bounceSmtpPort: {
    env: 'AVISO_BOUNCE_SMTP_PORT',
    doc: 'Port of the inbound SMTP listener for bounces, complaints and mailto unsubscribes (needs `AVISO_BOUNCE_DOMAIN`; 25 in production). Unset: no listener.',
    schema: wholeNumber(0, 65535).optional(),
  },
  bounceSmtpHost: {
    env: 'AVISO_BOUNCE_SMTP_HOST',
    doc: 'Address the bounce listener listens on.',
    schema: z.string().min(1).default('0.0.0.0'),
  },
  webhookRetrySeconds: {
    env: 'AVISO_WEBHOOK_RETRY_SECONDS',
    doc: 'Delays between attempts of one webhook delivery, comma-separated seconds; after the last the delivery fails (the default spans 27 h), and an endpoint whose every delivery failed that long is disabled with the reason.',
    schema: z
      .string()
      .default('5,300,1800,7200,18000,36000,36000')
      .transform((v, ctx) => {
        const delays = v.split(',').map((d) => Number(d.trim()));
        if (delays.length === 0 || delays.some((d) => !Number.isFinite(d) || d < 0)) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be comma-separated numbers of seconds, e.g. 5,300,1800',
          });
          return z.NEVER;
        }
        return delays;
      }),
  },
  webhookTimeoutSeconds: {
    env: 'AVISO_WEBHOOK_TIMEOUT_SECONDS',
    doc: 'How long a webhook endpoint has to answer before the attempt counts as failed.',
    schema: durationSeconds(15),
  },
  webhooksAllowPrivate: {
    env: 'AVISO_WEBHOOKS_ALLOW_PRIVATE',
    doc: '`true` lets webhook URLs (only) resolve to private, loopback or link-local addresses; AVISO_ALLOW_PRIVATE_DESTINATIONS covers providers too.',
    schema: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
  },
  allowPrivateDestinations: {
    env: 'AVISO_ALLOW_PRIVATE_DESTINATIONS',
    doc: '`true` lets every destination a project sets (webhook URLs, provider baseUrl, SMTP url, SMPP host) reach private, loopback or link-local addresses (refused by default: SSRF). For self-hosted setups whose API key holders are trusted.',
    schema: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
  },
  trustProxy: {
    env: 'AVISO_TRUST_PROXY',
    doc: '`true` when Aviso runs behind a reverse proxy: client addresses (open and click tracking) come from `X-Forwarded-For`.',
    schema: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
  },
  logLevel: {
    env: 'AVISO_LOG_LEVEL',
    doc: 'pino log level: fatal, error, warn, info, debug, trace or silent.',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  },
  masterKey: {
    env: 'AVISO_MASTER_KEY',
    doc: 'Master keys that seal the stored secrets (see [Secrets at rest](#secrets-at-rest)): base64 of 32 bytes (`openssl rand -base64 32`), or `id:key,id:key` with the newest last. Unset: the keyring file `master-keys.json` in `AVISO_DATA_DIR`, generated on first start. Set it when several hosts or an external `DATABASE_URL` share the database.',
    schema: z.string().min(1).optional(),
  },
  pgRestarts: {
    env: 'AVISO_PG_RESTARTS',
    doc: 'How many times within `AVISO_PG_RESTART_WINDOW_SECONDS` `start`, `api` or `worker` restarts the embedded PostgreSQL it runs when that dies (waiting 1 s, 2 s, 4 s… up to 30 s between tries); past that it gives up and `/healthz` answers 503. `0`: never restart.',
    schema: wholeNumber(0, 1000).default(5),
  },
  pgRestartWindowSeconds: {
    env: 'AVISO_PG_RESTART_WINDOW_SECONDS',
    doc: 'The window `AVISO_PG_RESTARTS` counts restarts in.',
    schema: durationSeconds(600),
  },
  pgGraceSeconds: {
    env: 'AVISO_PG_GRACE_SECONDS',
    doc: 'How long the embedded PostgreSQL may stay down while being restarted before `/healthz` answers 503.',
    schema: durationSeconds(60),
  },
  createDataDir: {
    env: 'AVISO_CREATE_DATA_DIR',
    doc: '`true` lets a one-shot CLI command (`keys`, `domains`, …) create a new embedded database while another Aviso runs with other data (refused by default: what it writes would not reach that server).',
    schema: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
  },
} as const;

type Settings = typeof settings;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`Invalid setting ${setting}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const configFileName = 'aviso.config.json';

/**
 * Reads the configuration: environment first, then aviso.config.json (keys are the
 * camelCase names of `settings`), then defaults. Throws ConfigError naming the bad setting.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  file: string | null = findConfigFile(env) ?? null,
): Config {
  const fromFile = file ? readConfigFile(file) : {};
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings)) {
    const raw = env[setting.env] !== undefined && env[setting.env] !== '' ? env[setting.env] : fromFile[key];
    const parsed = setting.schema.safeParse(raw);
    if (!parsed.success) {
      const source = env[setting.env] !== undefined ? setting.env : `${key} in ${file}`;
      throw new ConfigError(source, parsed.error.issues.map((i) => i.message).join('; '));
    }
    out[key] = parsed.data;
  }
  return out as Config;
}

function findConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  const path = resolve(env.AVISO_CONFIG ?? configFileName);
  return existsSync(path) ? path : undefined;
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseUntrustedJson(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(file, 'must hold a JSON object');
  }
  for (const key of Object.keys(parsed)) {
    if (!Object.hasOwn(settings, key)) {
      throw new ConfigError(
        `${key} in ${file}`,
        `unknown setting (known: ${Object.keys(settings).join(', ')})`,
      );
    }
  }
  return parsed as Record<string, unknown>;
}
