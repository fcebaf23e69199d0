// Which providers send a project's messages on a channel, in failover order: the providers
// configured for the project (enabled ones, by position), else the installation default
// (email: AVISO_SMTP_URL, else capture; SMS and WhatsApp: capture). Provider instances are
// shared across sends and keep their pools and sessions; each has its rate limiter (drawing
// on the provider's token bucket, which every worker process shares) and its circuit breaker
// (this process's own), which live as long as the instance. Instances are built by their kind's
// descriptor (providers/provider-kinds.ts); a changed configuration gets a new instance (the old
// one is closed).
import type { Kysely } from 'kysely';
import { CaptureProvider, parseSmtpUrl, SmtpProvider } from '../channels/email/index.ts';
import {
  CaptureMessageProvider,
  type Channel,
  type ChannelProvider,
  type ProviderInstance,
  type ProviderReceipt,
} from '../channels/index.ts';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { priorities } from '../messages/index.ts';
import { type DestinationPolicy, providerDestinations } from '../net/index.ts';
import {
  callbackUrl,
  type ProviderRow,
  providerKinds,
  providerTypeNames,
  toProviderRow,
} from '../providers/index.ts';
import type { Secrets } from '../secrets/index.ts';
import { sharedBucket } from './rate-buckets.ts';
import { CircuitBreaker, RateLimiter } from './rate-limiter.ts';

export interface Route {
  /** provider_configs id; null for the installation default. */
  id: string | null;
  /** The configured name ("twilio-main"), or the type for defaults. */
  name: string;
  type: string;
  provider: ChannelProvider;
  /** Opens the provider's persistent session, for kinds that have one (the SMPP bind). */
  start?: () => Promise<void>;
  limiter: RateLimiter | null;
  breaker: CircuitBreaker;
}

/**
 * Receipts a provider received on its own connection (SMPP), for the receipt applier; resolves
 * once they are durable, so the provider acknowledges them only then.
 */
type ReceiptHandler = (
  providerId: string,
  receipts: ProviderReceipt[],
  idForms?: (id: string) => string[],
) => Promise<void>;

export interface RegistryOptions {
  config: Pick<Config, 'smtpUrl' | 'allowPrivateDestinations'>;
  /** Opens the providers' secrets (cached: reading the routes again costs no decryption). */
  secrets: Secrets;
  /** The URL providers call back (resolved once the API listens). */
  publicUrl: () => string;
  onReceipts?: ReceiptHandler;
  log?: Logger;
}

const cacheMs = 10_000;

export class ProviderRegistry {
  private readonly instances = new Map<string, { version: number; route: Route }>();
  private readonly byProject = new Map<string, { routes: Route[]; until: number }>();
  private readonly defaults: Record<Channel, Route>;
  /** What the providers a project configured may connect to. */
  private readonly destinations: DestinationPolicy;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: RegistryOptions,
  ) {
    const { smtpUrl } = options.config;
    this.destinations = providerDestinations(options.config);
    // The operator's relay is not guarded: 127.0.0.1 is a normal place for it.
    const email = smtpUrl ? new SmtpProvider(parseSmtpUrl(smtpUrl), null) : new CaptureProvider(db);
    const capture = new CaptureMessageProvider(db);
    const route = (provider: ChannelProvider): Route => ({
      id: null,
      name: provider.name,
      type: provider.name,
      provider,
      limiter: null,
      breaker: new CircuitBreaker(),
    });
    this.defaults = { email: route(email), sms: route(capture), whatsapp: route(capture) };
  }

  /** The providers to try for a project's message on `channel`, first one first. */
  async routes(projectId: string, channel: Channel): Promise<Route[]> {
    const key = `${projectId}/${channel}`;
    const now = Date.now();
    const cached = this.byProject.get(key);
    if (cached && cached.until > now) return cached.routes;
    const rows = await this.db
      .selectFrom('provider_configs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('channel', '=', channel)
      .where('enabled', '=', true)
      .orderBy('position')
      .orderBy('created_at')
      .execute();
    const routes =
      rows.length === 0
        ? [this.defaults[channel]]
        : rows.map((r) => this.route(toProviderRow(r, this.options.secrets)));
    this.byProject.set(key, { routes, until: now + cacheMs });
    return routes;
  }

  /** Forgets cached routes so the next send reads the configuration again. */
  invalidate(): void {
    this.byProject.clear();
  }

  /**
   * Closes the providers whose configuration was removed or switched off: an SMPP bind must not
   * linger (SMSCs limit binds per account, and its receipts would go to a provider that is gone).
   */
  async prune(): Promise<void> {
    const live = new Set(
      (await this.db.selectFrom('provider_configs').select('id').where('enabled', '=', true).execute()).map(
        (r) => r.id,
      ),
    );
    for (const [id, { route }] of this.instances) {
      if (live.has(id)) continue;
      this.instances.delete(id);
      void route.provider.close().catch(() => {});
    }
  }

  /**
   * Opens the sessions of providers that hear from their peer on their own (SMPP binds), so
   * receipts for earlier sends arrive even before the next send.
   */
  async startPersistent(): Promise<void> {
    const persistent = providerTypeNames.filter((type) => providerKinds[type].persistent);
    if (persistent.length === 0) return;
    const rows = await this.db
      .selectFrom('provider_configs')
      .selectAll()
      .where('type', 'in', persistent)
      .where('enabled', '=', true)
      .execute();
    for (const row of rows) {
      const { start } = this.route(toProviderRow(row, this.options.secrets));
      void start?.().catch((err: unknown) => {
        this.options.log?.warn(
          { err, provider: row.name, type: row.type },
          'Provider session failed at start; it will retry',
        );
      });
    }
  }

  private route(row: ProviderRow): Route {
    const version = row.updatedAt.getTime();
    const existing = this.instances.get(row.id);
    if (existing && existing.version === version) return existing.route;
    if (existing) void existing.route.provider.close().catch(() => {});
    const { provider, start } = this.create(row);
    const route: Route = {
      id: row.id,
      name: row.name,
      type: row.type,
      provider,
      ...(start ? { start } : {}),
      limiter: row.rateLimit ? this.limiter(row.id, row.rateLimit) : null,
      breaker: new CircuitBreaker(),
    };
    this.instances.set(row.id, { version, route });
    return route;
  }

  private limiter(providerId: string, rate: number): RateLimiter {
    return new RateLimiter(sharedBucket(this.db, providerId, rate), {
      // Batches of up to 100 ms of the rate, held 100 ms at most: a worker that takes a batch
      // and then slows down gives the rest back for the other workers.
      maxBatch: Math.min(1000, Math.max(1, Math.ceil(rate / 10))),
      holdMs: 100,
      urgentPriority: priorities.high,
      errorRetryMs: 500,
      onError: (err) => this.options.log?.warn({ err, providerId }, 'rate limit bucket unavailable; waiting'),
    });
  }

  private create(row: ProviderRow): ProviderInstance {
    const kind = providerKinds[row.type];
    return kind.build(row.config, {
      channel: row.channel,
      destinations: this.destinations,
      callbackUrl: callbackUrl(this.options.publicUrl(), row) ?? undefined,
      db: this.db,
      onReceipts: async (receipts) => this.options.onReceipts?.(row.id, receipts, kind.receipts?.idForms),
      log: this.options.log,
    });
  }

  async close(): Promise<void> {
    const all = new Set<ChannelProvider>([
      ...Object.values(this.defaults).map((r) => r.provider),
      ...[...this.instances.values()].map((i) => i.route.provider),
    ]);
    await Promise.all([...all].map((p) => p.close().catch(() => {})));
  }
}
