// Limits that the server checks in code (refinements, handlers) but that the OpenAPI document
// states too, as JSON Schema keywords given to zod's .meta(): generated clients, validators
// and fuzzers then know what a request must be. The server's own checks stay as they are.

/** The largest value of a PostgreSQL integer (int4) column: ids, versions, counts. */
export const int4Max = 2_147_483_647;

/** A value that must stay on one line (it goes into a header or a file name). */
export const singleLinePattern = '^[^\\r\\n]*$';

/**
 * The shape of an IANA time zone name ("Europe/Madrid", "UTC", "Etc/GMT+1"). Which names exist
 * depends on the runtime's time zone data (Intl.supportedValuesOf('timeZone')), too long a list
 * for the document and not the same on every Node version: the server checks that.
 */
export const timezonePattern = '^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*$';
