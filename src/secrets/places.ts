// Where each kind of secret is stored, as the associated data its sealed value is bound to:
// table, column and the row's key. A value copied to another row, project or column does not
// open. The one list of these places; the writers, readers and the sealing pass all use it.

/** A secret field inside provider_configs.config (authToken, apiSecret, the SMTP url, …). */
export const providerSecretPlace = (providerId: string, field: string) =>
  `provider_configs.config.${field}/${providerId}`;

/** webhook_endpoints.secret, the Standard Webhooks signing secret. */
export const webhookSecretPlace = (endpointId: string) => `webhook_endpoints.secret/${endpointId}`;

/** domains.dkim_private_key. */
export const dkimKeyPlace = (domainId: string) => `domains.dkim_private_key/${domainId}`;

/** settings.value of an installation secret (the link-signing key). */
export const installationSecretPlace = (name: string) => `settings.value/${name}`;
