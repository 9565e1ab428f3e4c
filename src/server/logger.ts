import pino, { type Logger } from 'pino';

/**
 * The server's logger. Credentials and cookies are redacted at the source; protected values never reach
 * a log because services never put them in messages or details (ASVS 16.2.5; HIPAA 164.312(b)).
 */
export function createLogger(level = process.env.TRIALVAULT_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
      ],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
