// The one table of provider kinds: a new kind is its folder (or file) in channels/ with a
// ProviderKindSpec, plus one line here. Everything per kind is read from it: the settings
// schemas the API, the CLI and the OpenAPI document share, secrets, channels, default rates,
// the registry's factory (delivery/) and the callback routes (api/).
import type { z } from 'zod';
import { captureKind, smtpKind } from '../channels/email/index.ts';
import type { Channel, ProviderKind } from '../channels/index.ts';
import { smppKind, twilioKind, vonageKind } from '../channels/sms/index.ts';
import { whatsappKind } from '../channels/whatsapp/index.ts';

export const providerKinds = {
  smtp: smtpKind,
  capture: captureKind,
  twilio: twilioKind,
  vonage: vonageKind,
  smpp: smppKind,
  whatsapp: whatsappKind,
} as const satisfies Record<string, ProviderKind>;

export type ProviderType = keyof typeof providerKinds;
export const providerTypeNames = Object.keys(providerKinds) as ProviderType[];

export type ProviderSettings<T extends ProviderType> = z.output<(typeof providerKinds)[T]['schema']>;

/** The kind of a stored type name; undefined for a name no kind has (any more). */
export function kindOf(type: string): ProviderKind | undefined {
  return Object.hasOwn(providerKinds, type) ? providerKinds[type as ProviderType] : undefined;
}

export function channelsOf(type: ProviderType): readonly Channel[] {
  return providerKinds[type].channels;
}

/** The default messages/s of a provider type; null: no limit. */
export function defaultRateLimit(type: ProviderType): number | null {
  return providerKinds[type].rateLimit;
}

/** The configuration with its secrets masked: "••••3f9a". */
export function maskSecrets(type: ProviderType, config: Record<string, unknown>): Record<string, unknown> {
  const out = { ...config };
  for (const key of providerKinds[type].secrets) {
    const value = out[key];
    if (typeof value === 'string') out[key] = `••••${value.length > 8 ? value.slice(-4) : ''}`;
  }
  return out;
}
