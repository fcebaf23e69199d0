// One structured logger (pino, one JSON event per line). Never log secrets, API keys or
// message bodies at info level.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'aviso' }, timestamp: pino.stdTimeFunctions.isoTime });
}
