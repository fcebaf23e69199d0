// Which provider sends a project's email: the providers configured for the project (first
// by position; failover arrives with the SMS issue), else the installation default from
// AVISO_SMTP_URL, else the capture provider. Providers are shared and keep their pools.
import type { Kysely } from 'kysely';
import { CaptureProvider, parseSmtpUrl, SmtpProvider } from '../channels/email/index.ts';
import type { EmailProvider } from '../channels/index.ts';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';

export class ProviderRegistry {
  private readonly byConfig = new Map<string, EmailProvider>();
  private readonly byProject = new Map<string, { provider: EmailProvider; until: number }>();
  readonly fallback: EmailProvider;

  constructor(
    private readonly db: Kysely<Database>,
    config: Pick<Config, 'smtpUrl'>,
  ) {
    this.fallback = config.smtpUrl ? new SmtpProvider(parseSmtpUrl(config.smtpUrl)) : new CaptureProvider(db);
  }

  async email(projectId: string): Promise<EmailProvider> {
    const now = Date.now();
    const cached = this.byProject.get(projectId);
    if (cached && cached.until > now) return cached.provider;
    const row = await this.db
      .selectFrom('provider_configs')
      .select(['id', 'type', 'config'])
      .where('project_id', '=', projectId)
      .where('channel', '=', 'email')
      .orderBy('position')
      .executeTakeFirst();
    let provider = this.fallback;
    if (row) {
      provider = this.byConfig.get(row.id) ?? this.create(row.type, row.config);
      this.byConfig.set(row.id, provider);
    }
    this.byProject.set(projectId, { provider, until: now + 30_000 });
    return provider;
  }

  private create(type: string, config: Record<string, unknown>): EmailProvider {
    if (type === 'smtp' && typeof config.url === 'string') return new SmtpProvider(parseSmtpUrl(config.url));
    if (type === 'capture') return new CaptureProvider(this.db);
    throw new Error(`unknown email provider type "${type}"`);
  }

  async close(): Promise<void> {
    await Promise.all([this.fallback, ...this.byConfig.values()].map((p) => p.close()));
  }
}
