// The Fastify side of validation: request schemas are zod, and their issues become our
// ApiError (errors/validation.ts), which the error handler sends as is.
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { parseWith } from '../errors/index.ts';

/**
 * Fastify validator for every part of a request (body, query, path, headers): the
 * storable-text rule, then the route's schema; errors are our ApiError, sent as is.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    try {
      return { value: parseWith(schema, data) };
    } catch (error) {
      return { error: error as Error };
    }
  };
