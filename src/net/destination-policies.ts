// What outbound connections may reach, from the configuration: AVISO_ALLOW_PRIVATE_DESTINATIONS
// lifts the guard for every destination a project sets (providers and webhooks), the older
// AVISO_WEBHOOKS_ALLOW_PRIVATE for webhooks only. Installation-wide destinations that the
// operator sets (AVISO_SMTP_URL) are not guarded at all.
import type { Config } from '../config/index.ts';
import type { DestinationPolicy } from './destination-guard.ts';

export function webhookDestinations(
  config: Pick<Config, 'allowPrivateDestinations' | 'webhooksAllowPrivate'>,
): DestinationPolicy {
  return {
    allowPrivate: config.allowPrivateDestinations || config.webhooksAllowPrivate,
    advice:
      'webhooks go to public addresses only. To allow private ones (a receiver on your own network), ' +
      'set AVISO_WEBHOOKS_ALLOW_PRIVATE=true (webhooks only) or AVISO_ALLOW_PRIVATE_DESTINATIONS=true.',
  };
}

export function providerDestinations(config: Pick<Config, 'allowPrivateDestinations'>): DestinationPolicy {
  return {
    allowPrivate: config.allowPrivateDestinations,
    advice:
      'providers are reached at public addresses only. To allow private ones (a relay or gateway on ' +
      'your own network), set AVISO_ALLOW_PRIVATE_DESTINATIONS=true.',
  };
}
