// Lists of allowed values that many layers share (the API's schemas, the templates, the
// providers, the database), each declared once. The ground floor: imports nothing.

/** The channels Aviso sends on. */
export const channels = ['email', 'sms', 'whatsapp'] as const;
export type Channel = (typeof channels)[number];
