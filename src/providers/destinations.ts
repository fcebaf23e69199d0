// Where a provider's settings make Aviso connect (an API base URL, an SMTP relay, an SMSC),
// checked by the destination guard when the settings are saved: a refusal is a 422 on that
// field. URLs are stored as parsed (URL.href), never as typed. Sends check again, since a host
// name may resolve elsewhere later.
import { parseSmtpUrl } from '../channels/email/index.ts';
import { ApiError, type ErrorCode } from '../errors/index.ts';
import {
  type DestinationPolicy,
  type DestinationProblem,
  DestinationRefused,
  refuseUnsafeCharacters,
  vetHost,
  vetHttpUrl,
} from '../net/index.ts';
import { type ProviderType, providerKinds } from './provider-kinds.ts';

const codes: Record<DestinationProblem, ErrorCode> = {
  invalid: 'provider_url_invalid',
  not_allowed: 'provider_url_not_allowed',
  unresolvable: 'provider_url_unresolvable',
};

/** The guard's refusal as an API error on `config.<field>`. */
async function checked<T>(field: string, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof DestinationRefused)
      throw new ApiError(codes[err.problem], err.message, `config.${field}`);
    throw err;
  }
}

/** The relay's host, without ever repeating the URL: it holds the password. */
function smtpHost(url: string): string {
  refuseUnsafeCharacters(url, 'The SMTP url');
  try {
    return parseSmtpUrl(url).host;
  } catch (err) {
    const why = err instanceof TypeError ? 'it is not a URL' : String((err as Error).message);
    throw new DestinationRefused('invalid', `The SMTP url cannot be read: ${why}.`);
  }
}

/**
 * Vets the destination of validated settings of `type` (the setting its kind names); answers
 * them with URLs normalised. Throws ApiError provider_url_invalid, provider_url_not_allowed or
 * provider_url_unresolvable.
 */
export async function checkDestinations(
  type: ProviderType,
  config: Record<string, unknown>,
  policy: DestinationPolicy,
): Promise<Record<string, unknown>> {
  const destination = providerKinds[type].destination;
  if (!destination) return config;
  const { field } = destination;
  const value = config[field];
  switch (destination.form) {
    case 'http-url': {
      if (typeof value !== 'string') return config;
      const vetted = await checked(field, () => vetHttpUrl(value, policy, field));
      return { ...config, [field]: vetted.url.href };
    }
    case 'smtp-url': {
      const url = String(value);
      await checked(field, () => vetHost(smtpHost(url), policy));
      return { ...config, [field]: new URL(url).href };
    }
    case 'host':
      await checked(field, () => vetHost(String(value), policy));
      return config;
  }
}
