// PATCH request schemas, derived from the create schema of the same resource: every field
// optional, and no field with a default. A default in a PATCH schema would fill in what the
// client left out, and so reset it: a PATCH changes only what it names.
import { z } from 'zod';

/** The field as the client may send it, without the value zod would fill in when it is absent. */
function withoutDefault(field: z.ZodType): z.ZodType {
  if (field instanceof z.ZodDefault || field instanceof z.ZodPrefault) {
    return keepMeta(field, withoutDefault(field.unwrap() as z.ZodType));
  }
  if (field instanceof z.ZodOptional) return keepMeta(field, withoutDefault(field.unwrap() as z.ZodType));
  if (field instanceof z.ZodNullable) {
    return keepMeta(field, withoutDefault(field.unwrap() as z.ZodType).nullable());
  }
  if (field instanceof z.ZodObject) return keepMeta(field, patchOf(field));
  return field;
}

/** `.meta()` sits on the wrapper it was called on: carry it over to the unwrapped field. */
function keepMeta(from: z.ZodType, to: z.ZodType): z.ZodType {
  const meta = from.meta();
  if (!meta) return to;
  const { id: _id, ...rest } = meta;
  return to.meta(rest);
}

/** The type of `withoutDefault(T)`. */
type Patched<T> = T extends z.ZodDefault<infer I> | z.ZodPrefault<infer I> | z.ZodOptional<infer I>
  ? Patched<I>
  : T extends z.ZodObject<infer S>
    ? z.ZodObject<PatchShape<S>>
    : T;
type PatchShape<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodOptional<Patched<S[K]>> };

/**
 * The PATCH schema of a create schema: the same fields (strict if it is), each optional, none
 * defaulted. Nested objects become PATCH schemas too: their fields are merged, not replaced.
 */
export function patchOf<S extends z.ZodRawShape>(create: z.ZodObject<S>): z.ZodObject<PatchShape<S>> {
  const shape = Object.fromEntries(
    Object.entries(create.shape).map(([key, field]) => [key, withoutDefault(field as z.ZodType).optional()]),
  );
  return create.extend(shape) as unknown as z.ZodObject<PatchShape<S>>;
}
