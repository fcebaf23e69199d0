// Every error leaves as {"error": {"code", "message", "path"}}. Client mistakes map to their
// codes; anything else is logged with its stack and answered with a bare 500.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/index.ts';

function fromFastify(err: FastifyError): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', err.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_json', 'The body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_json', `The request body is not valid JSON: ${err.message}`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('invalid_json', 'Content-Length does not match the body.');
  }
  // JSON.parse errors and prototype-poisoning refusals from the body parser.
  if (
    err instanceof SyntaxError ||
    (err.statusCode === 400 && /JSON|__proto__|constructor/i.test(err.message))
  ) {
    return new ApiError('invalid_json', `The request body is not valid JSON: ${err.message}`);
  }
  switch (err.statusCode) {
    case 413:
      return new ApiError('payload_too_large');
    case 414:
      return new ApiError('uri_too_long', 'A part of the URL is longer than 1,024 characters.');
    case 415:
      return new ApiError('unsupported_media_type');
  }
  // Any other client error the framework raises: Aviso's envelope with the framework's words.
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode === 404 ? 'route_not_found' : 'bad_request', err.message);
  }
  return undefined;
}

/**
 * A value the checks let through and PostgreSQL refused as data (SQLSTATE class 22: out of
 * range, bad encoding, malformed literal). It is the client's value, so a 4xx; but a check is
 * missing, so it is logged as a defect to fix.
 */
function isDataException(err: { code?: string }): boolean {
  return /^22[0-9A-Z]{3}$/.test(err.code ?? '');
}

/** The database is down or restarting: a 503 tells clients to retry, not that they erred. */
function databaseUnavailable(err: { code?: string }): boolean {
  const code = err.code ?? '';
  // SQLSTATE class 08 (connection exception), 57P0x (shutdown), and socket errors.
  return /^08/.test(code) || /^57P0/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(code);
}

/**
 * For Fastify's `frameworkErrors`: errors the router raises before any route runs (a bad
 * percent-encoding, a path part over `maxParamLength`) get the same envelope as all others.
 */
export function frameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const apiError = fromFastify(err) ?? new ApiError('bad_request', err.message);
  return reply.code(apiError.status).send(apiError.toBody());
}

export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (databaseUnavailable(err)) {
      request.log.error({ err }, 'database unavailable');
      const unavailable = new ApiError(
        'service_unavailable',
        'The database is not reachable; retry shortly.',
      );
      return reply.code(unavailable.status).header('Retry-After', '5').send(unavailable.toBody());
    }
    if (isDataException(err)) {
      request.log.error({ err }, 'defect: a request value reached the database unchecked');
      const refused = new ApiError('value_not_storable');
      return reply.code(refused.status).send(refused.toBody());
    }
    const apiError = err instanceof ApiError ? err : fromFastify(err);
    if (apiError) {
      if (apiError.status === 503) reply.header('Retry-After', '5');
      return reply.code(apiError.status).send(apiError.toBody());
    }
    request.log.error({ err }, 'request failed');
    const internal = new ApiError('internal_error');
    return reply.code(internal.status).send(internal.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new ApiError('route_not_found', `No route ${request.method} ${request.url.split('?')[0]}.`);
    return reply.code(err.status).send(err.toBody());
  });
}
