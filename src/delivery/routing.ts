// Sending through a channel's providers in order. Each provider is skipped while its circuit
// is open, waits for its rate limiter, and on a temporary failure (or when it says it is down,
// or its destination is not allowed) hands the message to the next one. A permanent error
// ends the attempt at once: the message itself is refused, and another provider would refuse
// it too.
import {
  DestinationNotAllowedError,
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
  // The last failure that may pass later (an error, an open circuit), and the last refusal.
  let last: { error: unknown; route: Route; entry: FailedOver } | undefined;
  let refused: typeof last;
  let skipped = false;
  for (const route of routes) {
    if (!route.breaker.allow()) {
      failedOver.push({ provider: route.name, error: 'circuit open: the provider failed repeatedly' });
      skipped = true;
      continue;
    }
    await route.limiter?.acquire(priority);
    try {
      const result = await (route.provider.send as (m: Outgoing) => Promise<SendResult>)(message);
      route.breaker.success();
      return { route, result, failedOver };
    } catch (err) {
      if (err instanceof DestinationNotAllowedError) {
        // The provider's settings, not its health: no circuit to open, the next one may do.
        refused = { error: err, route, entry: { provider: route.name, error: err.message } };
        failedOver.push(refused.entry);
        continue;
      }
      if (err instanceof PermanentError) {
        route.breaker.success();
        throw new DeliveryFailure(err, route.name, failedOver);
      }
      route.breaker.failure(err instanceof ProviderDownError);
      last = {
        error: err,
        route,
        entry: { provider: route.name, error: err instanceof Error ? err.message : String(err) },
      };
      failedOver.push(last.entry);
    }
  }
  // A refused destination fails the message only when no other provider may send later.
  const deciding = last ?? (skipped ? undefined : refused);
  if (!deciding) {
    const retryAfterMs = Math.min(...routes.map((r) => r.breaker.retryInMs));
    throw new DeliveryFailure(
      new TransientError('Every provider of the channel is down (circuit open); will try again.', {
        retryAfterMs,
      }),
      null,
      failedOver,
    );
  }
  // That error decides; the other providers' are in failedOver.
  return Promise.reject(
    new DeliveryFailure(
      deciding.error,
      deciding.route.name,
      failedOver.filter((f) => f !== deciding.entry),
    ),
  );
}
