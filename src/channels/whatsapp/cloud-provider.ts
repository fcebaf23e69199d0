// Sends WhatsApp messages through Meta's Cloud API: a template message, or free-form text
// inside the 24-hour window. One HTTP request per message; the answer's wamid is the id later
// webhook statuses name. It never retries by itself: the worker decides from the error class.
import { type DestinationPolicy, foreignString, snippetChars } from '../../net/index.ts';
import type { OutgoingWhatsApp, SendResult, WhatsAppProvider } from '../index.ts';
import { PermanentError, TransientError } from '../index.ts';
import { graphUrl, requestGraph } from './graph-request.ts';

export interface WhatsAppCloudOptions {
  /** Graph API origin; default https://graph.facebook.com (tests point it at a fake). */
  baseUrl?: string;
  /** What baseUrl may resolve to (the destination guard). */
  destinations: DestinationPolicy;
  /** Graph API version; default v21.0. */
  apiVersion?: string;
  /** The business phone number's id (WhatsApp Manager), not the number itself. */
  phoneNumberId: string;
  /** A system user access token with whatsapp_business_messaging. */
  accessToken: string;
  /** Per request, connection to last byte; default 15 000. */
  timeoutMs?: number;
}

/** The Cloud API's send request body for `message`. */
function messageRequest(message: OutgoingWhatsApp): Record<string, unknown> {
  const head = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    // The API takes the international number without "+".
    to: message.to.replace(/^\+/, ''),
  };
  if (message.template) {
    const { name, language, components } = message.template;
    return { ...head, type: 'template', template: { name, language: { code: language }, components } };
  }
  if (message.text !== null) {
    return { ...head, type: 'text', text: { preview_url: false, body: message.text } };
  }
  throw new PermanentError('A WhatsApp message needs a template or a text', 'failure');
}

interface SendAnswer {
  messages?: { id?: unknown; message_status?: unknown }[];
}

export class WhatsAppCloudProvider implements WhatsAppProvider {
  readonly name = 'whatsapp';
  private readonly url: string;

  constructor(private readonly options: WhatsAppCloudOptions) {
    this.url = graphUrl(
      options.baseUrl,
      options.apiVersion,
      `${encodeURIComponent(options.phoneNumberId)}/messages`,
    ).toString();
  }

  async send(message: OutgoingWhatsApp): Promise<SendResult> {
    const { status, body } = await requestGraph({
      method: 'POST',
      url: this.url,
      accessToken: this.options.accessToken,
      body: messageRequest(message),
      timeoutMs: this.options.timeoutMs,
      destinations: this.options.destinations,
    });
    const accepted = (body as SendAnswer).messages?.[0];
    const id =
      typeof accepted?.id === 'string' ? foreignString(accepted.id, snippetChars.provider) : undefined;
    if (id === undefined) {
      throw new TransientError(`WhatsApp Cloud API answered ${status} without a message id`, {
        responseCode: status,
      });
    }
    const state = foreignString(accepted?.message_status, 20) ?? 'accepted';
    return { providerMessageId: id, response: `${status} ${state}` };
  }

  async close(): Promise<void> {}
}
