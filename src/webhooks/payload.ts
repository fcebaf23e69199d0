// The JSON body of a webhook request: the event with the message it belongs to, in the shape
// receivers see ("type": "message.delivered", …). Pure: the rows come from the delivery queue.

/** An event joined with its message, as the delivery queue reads it. */
export interface EventWithMessage {
  event_id: string;
  event_type: string;
  event_at: Date;
  details: Record<string, unknown>;
  message_id: string;
  channel: string;
  stream: string;
  to_address: string;
  template: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
}

export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export function eventPayload(row: EventWithMessage): WebhookPayload {
  const at = row.event_at.toISOString();
  return {
    type: `message.${row.event_type}`,
    timestamp: at,
    data: {
      id: row.event_id,
      type: row.event_type,
      at,
      details: row.details,
      message: {
        id: row.message_id,
        channel: row.channel,
        stream: row.stream,
        to: row.to_address,
        template: row.template,
        tags: row.tags,
        metadata: row.metadata,
      },
    },
  };
}

/** What POST /v1/webhooks/{id}/test sends: recognisable, and tied to no message. */
export function testPayload(endpointId: string, at: Date): WebhookPayload {
  return {
    type: 'webhook.test',
    timestamp: at.toISOString(),
    data: { endpointId, message: 'A test request from Aviso: answer with a 2xx status to pass.' },
  };
}
