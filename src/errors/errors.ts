// Every error code the API can answer with, its HTTP status and default message, in one
// place. Codes are a stable contract: add new ones, never rename or reuse them.

export const errorCodes = {
  // Request shape
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  bad_request: { status: 400, message: 'The request is malformed.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  validation_failed: { status: 422, message: 'The request is not valid.' },
  field_required: { status: 422, message: 'This field is required.' },
  unknown_field: { status: 422, message: 'This field is not known.' },
  invalid_type: { status: 422, message: 'This field has the wrong type.' },
  invalid_value: { status: 422, message: 'This value is not allowed.' },
  value_too_long: { status: 422, message: 'This value is too long.' },
  value_too_short: { status: 422, message: 'This value is too short.' },
  invalid_format: { status: 422, message: 'This value does not have the expected format.' },
  invalid_characters: {
    status: 422,
    message: 'This text holds a character that cannot be stored (NUL, or a lone UTF-16 surrogate).',
  },
  value_not_storable: {
    status: 422,
    message: 'A value in the request cannot be stored (out of range or malformed).',
  },
  uri_too_long: { status: 414, message: 'A part of the URL is too long.' },
  // Messages
  invalid_address: { status: 422, message: 'This is not a valid email address.' },
  header_injection: { status: 422, message: 'Line breaks are not allowed here.' },
  header_not_allowed: { status: 422, message: 'This header is set by Aviso and cannot be given.' },
  invalid_header_name: { status: 422, message: 'This is not a valid header name.' },
  content_missing: { status: 422, message: 'Give "html" and/or "text", or a "template".' },
  conflicting_fields: { status: 422, message: 'These fields cannot be used together.' },
  from_required: { status: 422, message: 'Give "from", or configure AVISO_FROM.' },
  invalid_base64: { status: 422, message: 'Attachment content must be base64.' },
  invalid_filename: { status: 422, message: 'This is not a file name recipients can save.' },
  attachments_too_large: { status: 413, message: 'The attachments are too large.' },
  send_at_too_far: { status: 422, message: '"sendAt" may be at most one year ahead.' },
  batch_too_large: { status: 413, message: 'A batch holds at most 500 messages.' },
  batch_empty: { status: 422, message: 'A batch holds at least one message.' },
  template_not_found: { status: 422, message: 'No template has this key.' },
  template_variable_missing: { status: 422, message: 'The data lacks a variable the template uses.' },
  template_invalid: { status: 422, message: 'The template cannot be parsed.' },
  template_render_failed: { status: 422, message: 'The template could not be rendered with this data.' },
  template_too_large: {
    status: 422,
    message: 'The template exceeds a limit of what one template may hold.',
  },
  template_too_slow: {
    status: 422,
    message: 'Working on this template took longer than the time limit.',
  },
  template_output_too_large: {
    status: 422,
    message: 'With this data, a rendered part of the message exceeds its size limit.',
  },
  template_not_published: { status: 422, message: 'The template has no published version yet.' },
  template_exists: { status: 409, message: 'A template with this key exists already.' },
  template_channel_missing: { status: 422, message: 'The template has no content for this channel.' },
  layout_not_found: { status: 422, message: 'No layout has this key.' },
  layout_not_published: { status: 422, message: 'The layout has no published version yet.' },
  layout_mismatch: {
    status: 422,
    message: 'The template and its layout are not written in the same language (MJML or HTML).',
  },
  layout_in_use: { status: 409, message: 'Templates still use this layout.' },
  version_not_found: { status: 404, message: 'No such version.' },
  invalid_timezone: { status: 422, message: 'Write an IANA timezone such as "Europe/Madrid".' },
  channel_not_available: { status: 422, message: 'This channel cannot send yet.' },
  channel_required: {
    status: 422,
    message: 'Say which channel to use: the template has content for more than one.',
  },
  invalid_phone_number: { status: 422, message: 'This is not a valid phone number.' },
  invalid_sender_id: {
    status: 422,
    message: 'An SMS sender is a number in E.164 or a name of 1 to 11 letters and digits.',
  },
  text_too_long: { status: 422, message: 'The text is too long for this channel.' },
  whatsapp_window_closed: {
    status: 422,
    message:
      'WhatsApp allows free-form text only within 24 hours of the recipient’s last message to you; send a template message instead.',
  },
  whatsapp_template_not_approved: {
    status: 422,
    message: 'The WhatsApp template is not approved for this language.',
  },
  whatsapp_template_parameters: {
    status: 422,
    message: 'The parameters do not match the approved WhatsApp template.',
  },
  whatsapp_templates_not_synced: {
    status: 422,
    message: 'Aviso does not know the approved WhatsApp templates yet: run "aviso whatsapp templates sync".',
  },
  whatsapp_opted_out: {
    status: 422,
    message: 'The recipient replied STOP on WhatsApp; promotional messages to them are refused.',
  },
  idempotency_key_reused: {
    status: 409,
    message: 'This Idempotency-Key was used with a different request body in the last 24 hours.',
  },
  invalid_idempotency_key: { status: 400, message: 'Idempotency-Key must be 1 to 255 printable characters.' },
  message_not_cancelable: { status: 409, message: 'The message can no longer be canceled.' },
  message_not_captured: {
    status: 404,
    message: 'Raw MIME is kept only for messages sent with the capture provider.',
  },
  invalid_cursor: { status: 400, message: 'The cursor is not valid.' },
  // Providers
  provider_exists: { status: 409, message: 'A provider with this name exists already.' },
  provider_not_found: { status: 404, message: 'No provider has this id or name.' },
  provider_error: { status: 502, message: 'The provider refused or failed the request.' },
  provider_url_invalid: {
    status: 422,
    message:
      'A provider URL or host has no spaces or control characters, and a baseUrl no user name or password.',
  },
  provider_url_not_allowed: {
    status: 422,
    message:
      'The provider address resolves to a private, loopback or link-local address; set AVISO_ALLOW_PRIVATE_DESTINATIONS=true to allow it.',
  },
  provider_url_unresolvable: { status: 422, message: 'The host of the provider address does not resolve.' },
  // Webhooks
  webhook_not_found: { status: 404, message: 'No webhook endpoint has this id.' },
  webhook_url_invalid: {
    status: 422,
    message:
      'A webhook URL is an http:// or https:// URL without spaces, control characters, user name or password.',
  },
  webhook_url_not_allowed: {
    status: 422,
    message:
      'The webhook URL resolves to a private, loopback or link-local address; set AVISO_WEBHOOKS_ALLOW_PRIVATE=true (or AVISO_ALLOW_PRIVATE_DESTINATIONS=true) to allow it.',
  },
  webhook_url_unresolvable: { status: 422, message: 'The host of the webhook URL does not resolve.' },
  event_not_found: { status: 422, message: 'No event of this project has this id.' },
  replay_range_invalid: { status: 422, message: '"since" must be before "until", at most 31 days apart.' },
  replay_too_large: { status: 422, message: 'The time range holds too many events; replay a shorter one.' },
  // Callbacks
  invalid_signature: { status: 403, message: 'The signature is missing or does not match.' },
  // Access
  unauthorized: { status: 401, message: 'Give a valid API key as "Authorization: Bearer <key>".' },
  not_found: { status: 404, message: 'Not found.' },
  route_not_found: { status: 404, message: 'No such route.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  // Ours
  internal_error: { status: 500, message: 'Something went wrong on our side. It has been logged.' },
  service_unavailable: { status: 503, message: 'The service is not ready.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  path?: string;
  /** For template syntax errors: the position in the source, 1-based. */
  line?: number;
  column?: number;
}

/** An error as answered: with `details` when it stands for several problems. */
export type ErrorAnswer = ErrorBody & { details?: ErrorBody[] };

/** An error meant for the API client: code, message and, for input errors, the field path. */
export class ApiError extends Error {
  readonly status: number;
  readonly details?: ErrorBody[];
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly path?: string,
    details?: ErrorBody[],
  ) {
    super(message ?? errorCodes[code].message);
    this.name = 'ApiError';
    this.status = errorCodes[code].status;
    if (details && details.length > 1) this.details = details;
  }

  /** One error for several problems: the first is the headline, all are in `details`. */
  static of(bodies: ErrorBody[]): ApiError {
    const first = bodies[0] ?? {
      code: 'validation_failed' as const,
      message: errorCodes.validation_failed.message,
    };
    const error = new ApiError(first.code, first.message, first.path, bodies);
    if (first.line !== undefined) error.line = first.line;
    if (first.column !== undefined) error.column = first.column;
    return error;
  }

  line?: number;
  column?: number;

  toBody(): { error: ErrorAnswer } {
    const body: ErrorAnswer = { code: this.code, message: this.message };
    if (this.path) body.path = this.path;
    if (this.line !== undefined) body.line = this.line;
    if (this.column !== undefined) body.column = this.column;
    if (this.details) body.details = this.details;
    return { error: body };
  }
}

/** Formats a path the way clients write it: `attachments[0].content`, `data.order.total`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
