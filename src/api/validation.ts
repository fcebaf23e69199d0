// The Fastify side of validation: request schemas are zod, and their issues become our
// ApiError (errors/validation.ts), which the error handler sends as is.
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { validationError } from '../errors/index.ts';

/** Fastify validator: returns our ApiError, which the error handler sends as is. */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const result = schema.safeParse(data, { reportInput: true });
    return result.success ? { value: result.data } : { error: validationError(result.error.issues) };
  };
