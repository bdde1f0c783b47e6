import pino from 'pino';
import type { Logger } from 'pino';
import type { Config } from './config';

/** JSON logs, or pretty ones on a terminal outside production. */
export function createLogger(
  config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'>,
  name = 'jobgate',
): Logger {
  const pretty = config.NODE_ENV !== 'production' && process.stdout.isTTY;
  return pino({
    name,
    level: config.LOG_LEVEL,
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'HH:MM:ss.l' },
          },
        }
      : {}),
  });
}
