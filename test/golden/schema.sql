TABLE api_keys
  id text NOT NULL
  project_id text NOT NULL
  name text NOT NULL
  secret_hash bytea NOT NULL
  prefix text NOT NULL
  created_at timestamp with time zone NOT NULL DEFAULT now()
  revoked_at timestamp with time zone
  CONSTRAINT api_keys_pkey PRIMARY KEY (id)
  CONSTRAINT api_keys_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects(id)
  CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash)
  CREATE UNIQUE INDEX api_keys_pkey ON public.api_keys USING btree (id)
  CREATE UNIQUE INDEX api_keys_secret_hash_key ON public.api_keys USING btree (secret_hash)

TABLE captured_messages
  message_id text NOT NULL
  project_id text NOT NULL
  raw bytea NOT NULL
  created_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT captured_messages_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages(id) ON DELETE CASCADE
  CONSTRAINT captured_messages_pkey PRIMARY KEY (message_id)
  CREATE UNIQUE INDEX captured_messages_pkey ON public.captured_messages USING btree (message_id)

TABLE delivery_jobs
  id bigint NOT NULL DEFAULT nextval('delivery_jobs_id_seq'::regclass)
  message_id text NOT NULL
  project_id text NOT NULL
  priority smallint NOT NULL
  run_at timestamp with time zone NOT NULL
  attempts integer NOT NULL DEFAULT 0
  locked_by bigint
  locked_until timestamp with time zone
  CONSTRAINT delivery_jobs_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages(id) ON DELETE CASCADE
  CONSTRAINT delivery_jobs_message_id_key UNIQUE (message_id)
  CONSTRAINT delivery_jobs_pkey PRIMARY KEY (id)
  CREATE INDEX delivery_jobs_claim ON public.delivery_jobs USING btree (priority, run_at, id) WHERE (locked_by IS NULL)
  CREATE INDEX delivery_jobs_locked ON public.delivery_jobs USING btree (locked_by) WHERE (locked_by IS NOT NULL)
  CREATE UNIQUE INDEX delivery_jobs_message_id_key ON public.delivery_jobs USING btree (message_id)
  CREATE UNIQUE INDEX delivery_jobs_pkey ON public.delivery_jobs USING btree (id)

TABLE domains
  id text NOT NULL
  project_id text NOT NULL
  domain text NOT NULL
  dkim_selector text NOT NULL
  dkim_private_key text NOT NULL
  dkim_public_key text NOT NULL
  created_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT domains_pkey PRIMARY KEY (id)
  CONSTRAINT domains_project_id_domain_key UNIQUE (project_id, domain)
  CONSTRAINT domains_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects(id)
  CREATE UNIQUE INDEX domains_pkey ON public.domains USING btree (id)
  CREATE UNIQUE INDEX domains_project_id_domain_key ON public.domains USING btree (project_id, domain)

TABLE idempotency_keys
  project_id text NOT NULL
  key text NOT NULL
  request_hash text NOT NULL
  status_code integer
  response jsonb
  created_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT idempotency_keys_pkey PRIMARY KEY (project_id, key)
  CONSTRAINT idempotency_keys_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects(id)
  CREATE INDEX idempotency_keys_created ON public.idempotency_keys USING btree (created_at)
  CREATE UNIQUE INDEX idempotency_keys_pkey ON public.idempotency_keys USING btree (project_id, key)

TABLE kysely_migration
  name character varying(255) NOT NULL
  timestamp character varying(255) NOT NULL
  CONSTRAINT kysely_migration_pkey PRIMARY KEY (name)
  CREATE UNIQUE INDEX kysely_migration_pkey ON public.kysely_migration USING btree (name)

TABLE kysely_migration_lock
  id character varying(255) NOT NULL
  is_locked integer NOT NULL DEFAULT 0
  CONSTRAINT kysely_migration_lock_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX kysely_migration_lock_pkey ON public.kysely_migration_lock USING btree (id)

TABLE message_attachments
  message_id text NOT NULL
  position smallint NOT NULL
  filename text NOT NULL
  content_type text NOT NULL
  content_id text
  content bytea NOT NULL
  CONSTRAINT message_attachments_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages(id) ON DELETE CASCADE
  CONSTRAINT message_attachments_pkey PRIMARY KEY (message_id, "position")
  CREATE UNIQUE INDEX message_attachments_pkey ON public.message_attachments USING btree (message_id, "position")

TABLE message_events
  id bigint NOT NULL DEFAULT nextval('message_events_id_seq'::regclass)
  message_id text NOT NULL
  project_id text NOT NULL
  type text NOT NULL
  created_at timestamp with time zone NOT NULL DEFAULT clock_timestamp()
  details jsonb NOT NULL DEFAULT '{}'::jsonb
  CONSTRAINT message_events_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages(id) ON DELETE CASCADE
  CONSTRAINT message_events_pkey PRIMARY KEY (id)
  CREATE INDEX message_events_message ON public.message_events USING btree (message_id, id)
  CREATE UNIQUE INDEX message_events_pkey ON public.message_events USING btree (id)
  CREATE INDEX message_events_project ON public.message_events USING btree (project_id, id DESC)
  CREATE TRIGGER message_events_webhooks AFTER INSERT ON public.message_events REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION queue_webhook_deliveries()

TABLE messages
  id text NOT NULL
  project_id text NOT NULL
  channel text NOT NULL
  stream text NOT NULL
  priority smallint NOT NULL
  status text NOT NULL
  to_address text NOT NULL
  to_name text
  from_address text
  from_name text
  reply_to jsonb
  subject text
  html text
  text_body text
  template text
  headers jsonb NOT NULL DEFAULT '{}'::jsonb
  tags text[] NOT NULL DEFAULT '{}'::text[]
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb
  attachment_count integer NOT NULL DEFAULT 0
  send_at timestamp with time zone
  message_id_header text
  provider text
  provider_message_id text
  attempts integer NOT NULL DEFAULT 0
  created_at timestamp with time zone NOT NULL DEFAULT now()
  updated_at timestamp with time zone NOT NULL DEFAULT now()
  template_version integer
  locale text
  encoding text
  segments smallint
  valid_until timestamp with time zone
  payload jsonb
  track_opens boolean NOT NULL DEFAULT false
  track_clicks boolean NOT NULL DEFAULT false
  open_count integer NOT NULL DEFAULT 0
  click_count integer NOT NULL DEFAULT 0
  machine_open_count integer NOT NULL DEFAULT 0
  machine_click_count integer NOT NULL DEFAULT 0
  first_opened_at timestamp with time zone
  first_clicked_at timestamp with time zone
  CONSTRAINT messages_pkey PRIMARY KEY (id)
  CONSTRAINT messages_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects(id)
  CREATE UNIQUE INDEX messages_pkey ON public.messages USING btree (id)
  CREATE INDEX messages_project_id ON public.messages USING btree (project_id, id DESC)
  CREATE INDEX messages_project_status ON public.messages USING btree (project_id, status, id DESC)
  CREATE INDEX messages_project_to ON public.messages USING btree (project_id, to_address, id DESC)
  CREATE INDEX messages_tags ON public.messages USING gin (tags)

TABLE projects
  id text NOT NULL
  name text NOT NULL
  is_default boolean NOT NULL DEFAULT false
  created_at timestamp with time zone NOT NULL DEFAULT now()
  default_locale text NOT NULL DEFAULT 'en'::text
  default_region text
  track_opens boolean NOT NULL DEFAULT false
  track_clicks boolean NOT NULL DEFAULT false
  soft_bounce_limit integer NOT NULL DEFAULT 5
  soft_bounce_days integer NOT NULL DEFAULT 7
  CONSTRAINT projects_name_key UNIQUE (name)
  CONSTRAINT projects_pkey PRIMARY KEY (id)
  CREATE UNIQUE INDEX projects_name_key ON public.projects USING btree (name)
  CREATE UNIQUE INDEX projects_one_default ON public.projects USING btree (is_default) WHERE is_default
  CREATE UNIQUE INDEX projects_pkey ON public.projects USING btree (id)

TABLE provider_configs
  id text NOT NULL
  project_id text NOT NULL
  channel text NOT NULL
  type text NOT NULL
  name text NOT NULL
  position integer NOT NULL DEFAULT 0
  config jsonb NOT NULL DEFAULT '{}'::jsonb
  created_at timestamp with time zone NOT NULL DEFAULT now()
  enabled boolean NOT NULL DEFAULT true
  rate_limit real
  updated_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT provider_configs_pkey PRIMARY KEY (id)
  CONSTRAINT provider_configs_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects(id)
  CONSTRAINT provider_configs_project_id_name_key UNIQUE (project_id, name)
  CREATE UNIQUE INDEX provider_configs_pkey ON public.provider_configs USING btree (id)
  CREATE INDEX provider_configs_project_channel ON public.provider_configs USING btree (project_id, channel, "position")
  CREATE UNIQUE INDEX provider_configs_project_id_name_key ON public.provider_configs USING btree (project_id, name)

TABLE provider_message_refs
  provider_id text NOT NULL
  ref text NOT NULL
  message_id text NOT NULL
  project_id text NOT NULL
  segment smallint NOT NULL DEFAULT 1
  segments smallint NOT NULL DEFAULT 1
  status text
  updated_at timestamp with time zone
  CONSTRAINT provider_message_refs_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages(id) ON DELETE CASCADE
  CONSTRAINT provider_message_refs_pkey PRIMARY KEY (provider_id, ref)
  CREATE INDEX provider_message_refs_message ON public.provider_message_refs USING btree (message_id)
  CREATE UNIQUE INDEX provider_message_refs_pkey ON public.provider_message_refs USING btree (provider_id, ref)

TABLE provider_rate_buckets
  provider_id text NOT NULL
  tokens double precision NOT NULL
  refilled_at timestamp with time zone NOT NULL
  urgent_until timestamp with time zone
  CONSTRAINT provider_rate_buckets_pkey PRIMARY KEY (provider_id)
  CONSTRAINT provider_rate_buckets_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES provider_configs(id) ON DELETE CASCADE
  CREATE UNIQUE INDEX provider_rate_buckets_pkey ON public.provider_rate_buckets USING btree (provider_id)

TABLE settings
  key text NOT NULL
  value text NOT NULL
  CONSTRAINT settings_pkey PRIMARY KEY (key)
  CREATE UNIQUE INDEX settings_pkey ON public.settings USING btree (key)

TABLE suppression_audit
  id bigint NOT NULL DEFAULT nextval('suppression_audit_id_seq'::regclass)
  project_id text NOT NULL
  stream text NOT NULL
  address text NOT NULL
  action text NOT NULL
  reason text NOT NULL
  actor text NOT NULL
  note text
  created_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT suppression_audit_pkey PRIMARY KEY (id)
  CONSTRAINT suppression_audit_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects(id)
  CREATE INDEX suppression_audit_address ON public.suppression_audit USING btree (project_id, address, id DESC)
  CREATE UNIQUE INDEX suppression_audit_pkey ON public.suppression_audit USING btree (id)

TABLE suppressions
  project_id text NOT NULL
  stream text NOT NULL
  address text NOT NULL
  reason text NOT NULL
  details jsonb NOT NULL DEFAULT '{}'::jsonb
  created_at timestamp with time zone NOT NULL DEFAULT now()
  message_id text
  created_by text NOT NULL DEFAULT 'system'::text
  CONSTRAINT suppressions_pkey PRIMARY KEY (project_id, stream, address)
  CONSTRAINT suppressions_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects(id)
  CREATE UNIQUE INDEX suppressions_pkey ON public.suppressions USING btree (project_id, stream, address)
  CREATE INDEX suppressions_project_created ON public.suppressions USING btree (project_id, created_at DESC)

TABLE template_versions
  project_id text NOT NULL
  kind text NOT NULL
  key text NOT NULL
  version integer NOT NULL
  content jsonb NOT NULL
  restored_from integer
  published_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT template_versions_pkey PRIMARY KEY (project_id, kind, key, version)
  CONSTRAINT template_versions_project_id_kind_key_fkey FOREIGN KEY (project_id, kind, key) REFERENCES templates(project_id, kind, key) ON DELETE CASCADE
  CREATE UNIQUE INDEX template_versions_pkey ON public.template_versions USING btree (project_id, kind, key, version)
  CREATE TRIGGER template_versions_immutable BEFORE UPDATE ON public.template_versions FOR EACH ROW EXECUTE FUNCTION template_versions_immutable()

TABLE templates
  project_id text NOT NULL
  kind text NOT NULL
  key text NOT NULL
  draft jsonb NOT NULL
  sample_data jsonb NOT NULL DEFAULT '{}'::jsonb
  latest_version integer
  created_at timestamp with time zone NOT NULL DEFAULT now()
  updated_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT templates_kind_check CHECK ((kind = ANY (ARRAY['template'::text, 'layout'::text])))
  CONSTRAINT templates_pkey1 PRIMARY KEY (project_id, kind, key)
  CONSTRAINT templates_project_id_fkey1 FOREIGN KEY (project_id) REFERENCES projects(id) ON DELETE CASCADE
  CREATE UNIQUE INDEX templates_pkey1 ON public.templates USING btree (project_id, kind, key)

TABLE unmatched_receipts
  id bigint NOT NULL DEFAULT nextval('unmatched_receipts_id_seq'::regclass)
  provider_id text NOT NULL
  forms text[] NOT NULL
  receipt jsonb NOT NULL
  received_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT unmatched_receipts_pkey PRIMARY KEY (id)
  CONSTRAINT unmatched_receipts_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES provider_configs(id) ON DELETE CASCADE
  CREATE UNIQUE INDEX unmatched_receipts_pkey ON public.unmatched_receipts USING btree (id)
  CREATE INDEX unmatched_receipts_received ON public.unmatched_receipts USING btree (received_at)

TABLE webhook_attempts
  id bigint NOT NULL DEFAULT nextval('webhook_attempts_id_seq'::regclass)
  delivery_id bigint NOT NULL
  endpoint_id text NOT NULL
  project_id text NOT NULL
  attempted_at timestamp with time zone NOT NULL DEFAULT now()
  status_code integer
  latency_ms integer NOT NULL
  response_snippet text
  error text
  CONSTRAINT webhook_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries(id) ON DELETE CASCADE
  CONSTRAINT webhook_attempts_pkey PRIMARY KEY (id)
  CREATE INDEX webhook_attempts_delivery ON public.webhook_attempts USING btree (delivery_id, id)
  CREATE INDEX webhook_attempts_endpoint ON public.webhook_attempts USING btree (endpoint_id, id DESC)
  CREATE UNIQUE INDEX webhook_attempts_pkey ON public.webhook_attempts USING btree (id)

TABLE webhook_deliveries
  id bigint NOT NULL DEFAULT nextval('webhook_deliveries_id_seq'::regclass)
  endpoint_id text NOT NULL
  project_id text NOT NULL
  event_id bigint NOT NULL
  message_id text NOT NULL
  status text NOT NULL DEFAULT 'pending'::text
  attempts integer NOT NULL DEFAULT 0
  next_attempt_at timestamp with time zone NOT NULL DEFAULT now()
  locked_until timestamp with time zone
  last_attempt_at timestamp with time zone
  replay boolean NOT NULL DEFAULT false
  created_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT webhook_deliveries_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints(id) ON DELETE CASCADE
  CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id)
  CREATE INDEX webhook_deliveries_due ON public.webhook_deliveries USING btree (next_attempt_at, id) WHERE (status = 'pending'::text)
  CREATE INDEX webhook_deliveries_event ON public.webhook_deliveries USING btree (event_id)
  CREATE INDEX webhook_deliveries_order ON public.webhook_deliveries USING btree (endpoint_id, message_id, id) WHERE (status = 'pending'::text)
  CREATE UNIQUE INDEX webhook_deliveries_pkey ON public.webhook_deliveries USING btree (id)

TABLE webhook_endpoints
  id text NOT NULL
  project_id text NOT NULL
  url text NOT NULL
  description text
  event_types text[] NOT NULL DEFAULT '{}'::text[]
  secret text NOT NULL
  enabled boolean NOT NULL DEFAULT true
  disabled_reason text
  disabled_at timestamp with time zone
  created_at timestamp with time zone NOT NULL DEFAULT now()
  updated_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id)
  CONSTRAINT webhook_endpoints_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects(id)
  CREATE UNIQUE INDEX webhook_endpoints_pkey ON public.webhook_endpoints USING btree (id)
  CREATE INDEX webhook_endpoints_project ON public.webhook_endpoints USING btree (project_id) WHERE enabled

TABLE whatsapp_contacts
  project_id text NOT NULL
  phone text NOT NULL
  last_inbound_at timestamp with time zone
  opted_out_at timestamp with time zone
  CONSTRAINT whatsapp_contacts_pkey PRIMARY KEY (project_id, phone)
  CONSTRAINT whatsapp_contacts_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects(id) ON DELETE CASCADE
  CREATE UNIQUE INDEX whatsapp_contacts_pkey ON public.whatsapp_contacts USING btree (project_id, phone)

TABLE whatsapp_pair_pacing
  project_id text NOT NULL
  phone text NOT NULL
  next_at timestamp with time zone NOT NULL
  CONSTRAINT whatsapp_pair_pacing_pkey PRIMARY KEY (project_id, phone)
  CREATE INDEX whatsapp_pair_pacing_next ON public.whatsapp_pair_pacing USING btree (next_at)
  CREATE UNIQUE INDEX whatsapp_pair_pacing_pkey ON public.whatsapp_pair_pacing USING btree (project_id, phone)

TABLE whatsapp_templates
  provider_id text NOT NULL
  project_id text NOT NULL
  name text NOT NULL
  language text NOT NULL
  status text NOT NULL
  category text
  parameters jsonb NOT NULL
  components jsonb NOT NULL
  synced_at timestamp with time zone NOT NULL DEFAULT now()
  CONSTRAINT whatsapp_templates_pkey PRIMARY KEY (provider_id, name, language)
  CONSTRAINT whatsapp_templates_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES provider_configs(id) ON DELETE CASCADE
  CREATE UNIQUE INDEX whatsapp_templates_pkey ON public.whatsapp_templates USING btree (provider_id, name, language)

SEQUENCE delivery_jobs_id_seq bigint START 1 INCREMENT 1
SEQUENCE message_events_id_seq bigint START 1 INCREMENT 1
SEQUENCE suppression_audit_id_seq bigint START 1 INCREMENT 1
SEQUENCE unmatched_receipts_id_seq bigint START 1 INCREMENT 1
SEQUENCE webhook_attempts_id_seq bigint START 1 INCREMENT 1
SEQUENCE webhook_deliveries_id_seq bigint START 1 INCREMENT 1
SEQUENCE worker_ids bigint START 1 INCREMENT 1

CREATE OR REPLACE FUNCTION public.queue_webhook_deliveries()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    BEGIN
      INSERT INTO webhook_deliveries (endpoint_id, project_id, event_id, message_id, next_attempt_at)
      SELECT w.id, e.project_id, e.id, e.message_id, now()
      FROM new_events e
      JOIN webhook_endpoints w ON w.project_id = e.project_id AND w.enabled
        AND (cardinality(w.event_types) = 0 OR e.type = ANY (w.event_types))
      ORDER BY e.id;
      RETURN NULL;
    END $function$

CREATE OR REPLACE FUNCTION public.template_versions_immutable()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
    BEGIN
      RAISE EXCEPTION 'published template versions are immutable' USING ERRCODE = 'restrict_violation';
    END $function$
