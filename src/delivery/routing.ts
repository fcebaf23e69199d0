// Sending through a channel's providers in order. Each provider is skipped while its circuit
// is open, waits for its rate limiter, and on a temporary failure (or when it says it is down)
// hands the message to the next one. A permanent error ends the attempt at once: the message
// itself is refused, and another provider would refuse it too.
import {
  type OutgoingEmail,
  type OutgoingSms,
  type OutgoingWhatsApp,
  PermanentError,
  ProviderDownError,
  type SendResult,
  TransientError,
} from '../channels/index.ts';
import type { Route } from './providers.ts';

export interface FailedOver {
  provider: string;
  error: string;
}

/** Why a message could not be sent, with the provider that said so and those tried before. */
export class DeliveryFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly provider: string | null,
    readonly failedOver: FailedOver[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'DeliveryFailure';
  }
}

type Outgoing = OutgoingEmail | OutgoingSms | OutgoingWhatsApp;

export async function sendWithFailover(
  routes: Route[],
  message: Outgoing,
  priority: number,
): Promise<{ route: Route; result: SendResult; failedOver: FailedOver[] }> {
  const failedOver: FailedOver[] = [];
  let last: { error: unknown; route: Route } | undefined;
  for (const route of routes) {
    if (!route.breaker.allow()) {
      failedOver.push({ provider: route.name, error: 'circuit open: the provider failed repeatedly' });
      continue;
    }
    await route.limiter?.acquire(priority);
    try {
      const result = await (route.provider.send as (m: Outgoing) => Promise<SendResult>)(message);
      route.breaker.success();
      return { route, result, failedOver };
    } catch (err) {
      if (err instanceof PermanentError) {
        route.breaker.success();
        throw new DeliveryFailure(err, route.name, failedOver);
      }
      route.breaker.failure(err instanceof ProviderDownError);
      last = { error: err, route };
      failedOver.push({ provider: route.name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  if (!last) {
    const retryAfterMs = Math.min(...routes.map((r) => r.breaker.retryInMs));
    throw new DeliveryFailure(
      new TransientError('Every provider of the channel is down (circuit open); will try again.', {
        retryAfterMs,
      }),
      null,
      failedOver,
    );
  }
  // The last provider's error decides; the earlier ones are in failedOver.
  return Promise.reject(new DeliveryFailure(last.error, last.route.name, failedOver.slice(0, -1)));
}
