// The database as one TypeScript type, kept next to the migrations: every Kysely query
// is checked against it. Change both together.
import type { ColumnType, Generated } from 'kysely';
import type {
  Channel,
  EventType,
  MessageStatus,
  SmsEncoding,
  Stream,
  SuppressionReason,
  WebhookDeliveryStatus,
} from '../vocabulary.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string | T, string | T>;

export interface ProjectsTable {
  id: string;
  name: string;
  is_default: Generated<boolean>;
  default_locale: Generated<string>;
  /** ISO 3166 country for phone numbers written without a country code. */
  default_region: string | null;
  /** Tracking for messages that do not choose (the template or the request may). */
  track_opens: Generated<boolean>;
  track_clicks: Generated<boolean>;
  /** Suppress a recipient after this many soft bounces within soft_bounce_days. */
  soft_bounce_limit: Generated<number>;
  soft_bounce_days: Generated<number>;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: string;
  project_id: string;
  name: string;
  secret_hash: Buffer;
  prefix: string;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
}

export interface MessagesTable {
  id: string;
  project_id: string;
  channel: Channel;
  stream: Stream;
  priority: number;
  status: MessageStatus;
  to_address: string;
  to_name: string | null;
  /** Email sender, or the SMS sender ID; null when the provider's default sender is used. */
  from_address: string | null;
  from_name: string | null;
  reply_to: Json<{ email: string; name?: string } | null> | null;
  subject: string | null;
  html: string | null;
  text_body: string | null;
  template: string | null;
  template_version: number | null;
  locale: string | null;
  /** SMS: 'GSM-7' or 'UCS-2', and the segments it costs. */
  encoding: SmsEncoding | null;
  segments: number | null;
  /** After this time the message is not sent any more: it ends as `expired`. */
  valid_until: Timestamp | null;
  /** Channel-specific content: the WhatsApp template message. */
  payload: Json<Record<string, unknown> | null> | null;
  headers: Json<Record<string, string>>;
  tags: string[];
  metadata: Json<Record<string, unknown>>;
  attachment_count: Generated<number>;
  send_at: Timestamp | null;
  message_id_header: string | null;
  provider: string | null;
  provider_message_id: string | null;
  attempts: Generated<number>;
  /** Decided at accept time: request, else template, else project default. */
  track_opens: Generated<boolean>;
  track_clicks: Generated<boolean>;
  /** Human opens and clicks; privacy-proxy opens and link-scanner clicks counted apart. */
  open_count: Generated<number>;
  click_count: Generated<number>;
  machine_open_count: Generated<number>;
  machine_click_count: Generated<number>;
  first_opened_at: Timestamp | null;
  first_clicked_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface MessageAttachmentsTable {
  message_id: string;
  position: number;
  filename: string;
  content_type: string;
  content_id: string | null;
  content: Buffer;
}

export interface MessageEventsTable {
  id: Generated<string>;
  message_id: string;
  project_id: string;
  type: EventType;
  created_at: CreatedAt;
  details: Json<Record<string, unknown>>;
}

export interface DeliveryJobsTable {
  id: Generated<string>;
  message_id: string;
  project_id: string;
  priority: number;
  run_at: Timestamp;
  attempts: Generated<number>;
  locked_by: string | null;
  locked_until: Timestamp | null;
}

export interface CapturedMessagesTable {
  message_id: string;
  project_id: string;
  raw: Buffer;
  created_at: CreatedAt;
}

export interface IdempotencyKeysTable {
  project_id: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response: Json<unknown> | null;
  created_at: CreatedAt;
}

export interface SuppressionsTable {
  project_id: string;
  /** 'transactional' or 'promotional'; a complaint adds a row for each. */
  stream: Stream;
  /** Lower-case email address or E.164 number. */
  address: string;
  /** 'hard-bounce' | 'complaint' | 'unsubscribe' | 'soft-bounces' | 'manual'. */
  reason: SuppressionReason;
  details: Json<Record<string, unknown>>;
  /** The message whose bounce, complaint or unsubscribe caused it. */
  message_id: string | null;
  /** Who added it: an API key id, 'system' (automatic) or 'cli'. */
  created_by: Generated<string>;
  created_at: CreatedAt;
}

export interface SuppressionAuditTable {
  id: Generated<string>;
  project_id: string;
  stream: Stream;
  address: string;
  action: 'added' | 'removed';
  reason: SuppressionReason;
  actor: string;
  note: string | null;
  created_at: CreatedAt;
}

export interface SettingsTable {
  key: string;
  /** An installation secret, sealed with the master key (secrets/). */
  value: string;
}

export interface WebhookEndpointsTable {
  id: string;
  project_id: string;
  url: string;
  description: string | null;
  /** Event types delivered to this endpoint; empty: all. */
  event_types: EventType[];
  /** "whsec_" + base64 key (Standard Webhooks), sealed with the master key (secrets/). */
  secret: string;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  disabled_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  endpoint_id: string;
  project_id: string;
  event_id: string;
  message_id: string;
  status: Generated<WebhookDeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  locked_until: Timestamp | null;
  last_attempt_at: Timestamp | null;
  replay: Generated<boolean>;
  created_at: CreatedAt;
}

export interface WebhookAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  endpoint_id: string;
  project_id: string;
  attempted_at: CreatedAt;
  status_code: number | null;
  latency_ms: number;
  response_snippet: string | null;
  error: string | null;
}

export interface ProviderConfigsTable {
  id: string;
  project_id: string;
  channel: Channel;
  type: string;
  name: string;
  position: Generated<number>;
  /** The type's settings; its secret fields are sealed with the master key (secrets/). */
  config: Json<Record<string, unknown>>;
  enabled: Generated<boolean>;
  /** Messages per second this provider may be sent; null: the type's default. */
  rate_limit: number | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface ProviderMessageRefsTable {
  provider_id: string;
  ref: string;
  message_id: string;
  project_id: string;
  segment: Generated<number>;
  segments: Generated<number>;
  /** The segment's own status, as the provider last reported it. */
  status: MessageStatus | null;
  updated_at: Timestamp | null;
}

export interface WhatsAppTemplatesTable {
  provider_id: string;
  project_id: string;
  name: string;
  language: string;
  status: string;
  category: string | null;
  parameters: Json<{ header: number; body: number; buttons: number }>;
  components: Json<unknown[]>;
  synced_at: CreatedAt;
}

export interface WhatsAppContactsTable {
  project_id: string;
  /** E.164. */
  phone: string;
  last_inbound_at: Timestamp | null;
  opted_out_at: Timestamp | null;
}

export interface DomainsTable {
  id: string;
  project_id: string;
  domain: string;
  dkim_selector: string;
  /** PEM, sealed with the master key (secrets/). */
  dkim_private_key: string;
  dkim_public_key: string;
  created_at: CreatedAt;
}

/** Templates and layouts (kind); `draft` and versions' `content` follow templates/content.ts. */
export interface TemplatesTable {
  project_id: string;
  kind: 'template' | 'layout';
  key: string;
  draft: Json<unknown>;
  sample_data: Json<Record<string, unknown>>;
  latest_version: number | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface TemplateVersionsTable {
  project_id: string;
  kind: 'template' | 'layout';
  key: string;
  version: number;
  content: Json<unknown>;
  restored_from: number | null;
  published_at: CreatedAt;
}

export interface Database {
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  messages: MessagesTable;
  message_attachments: MessageAttachmentsTable;
  message_events: MessageEventsTable;
  delivery_jobs: DeliveryJobsTable;
  captured_messages: CapturedMessagesTable;
  idempotency_keys: IdempotencyKeysTable;
  suppressions: SuppressionsTable;
  suppression_audit: SuppressionAuditTable;
  settings: SettingsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  provider_configs: ProviderConfigsTable;
  provider_message_refs: ProviderMessageRefsTable;
  whatsapp_templates: WhatsAppTemplatesTable;
  whatsapp_contacts: WhatsAppContactsTable;
  domains: DomainsTable;
  templates: TemplatesTable;
  template_versions: TemplateVersionsTable;
  provider_rate_buckets: ProviderRateBucketsTable;
  whatsapp_pair_pacing: WhatsAppPairPacingTable;
  unmatched_receipts: UnmatchedReceiptsTable;
}

/** A provider's shared token bucket (src/delivery/rate-buckets.ts). */
export interface ProviderRateBucketsTable {
  provider_id: string;
  tokens: number;
  refilled_at: Timestamp;
  urgent_until: Timestamp | null;
}

export interface WhatsAppPairPacingTable {
  project_id: string;
  /** E.164. */
  phone: string;
  next_at: Timestamp;
}

/** A delivery report that arrived before the send it reports on was recorded. */
export interface UnmatchedReceiptsTable {
  id: Generated<string>;
  provider_id: string;
  forms: string[];
  receipt: Json<Record<string, unknown>>;
  received_at: CreatedAt;
}
