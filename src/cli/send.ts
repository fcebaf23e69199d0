// `aviso send`: one test message (email, SMS or WhatsApp) from the terminal, through the same
// checks as the API. It waits a little for a worker to send it and prints what happened.
import { Command } from 'commander';
import { jobNotifier } from '../delivery/index.ts';
import { createLogger } from '../log.ts';
import {
  acceptMessages,
  cancelableStatuses,
  getMessage,
  isPhoneRecipient,
  isPrepared,
  messageInputSchema,
} from '../messages/index.ts';
import { config, projectOption, projectOrExit, readData, withAviso } from './common.ts';

interface SendOptions {
  to: string;
  from?: string;
  subject: string;
  channel?: string;
  template?: string;
  data?: string;
  locale?: string;
  text?: string;
  html?: string;
  priority: string;
  project?: string;
  wait: string;
}

export function sendCommand(): Command {
  return new Command('send')
    .description(
      'Send one message (a test from the terminal). A worker must run: `aviso start` or `aviso worker`.',
    )
    .requiredOption(
      '--to <address>',
      'recipient: "Ana <ana@example.com>", or a phone number for SMS/WhatsApp',
    )
    .option('--channel <channel>', 'email, sms or whatsapp (default: from --to and the template)')
    .option('--from <address>', 'sender (default: AVISO_FROM; for SMS, a sender ID or number)')
    .option('--subject <subject>', 'subject', 'Test from Aviso')
    .option('--template <key>', 'send a published template instead of subject/text/html')
    .option('--data <json|@file>', 'template data, as JSON or @path/to/file.json')
    .option('--locale <locale>', "the recipient's locale for the template, e.g. es-MX")
    .option('--text <text>', 'plain-text body')
    .option('--html <html>', 'HTML body')
    .option('--priority <priority>', 'high, normal or low', 'normal')
    .option('--wait <seconds>', 'how long to wait for the outcome', '15')
    .addOption(projectOption())
    .action((opts: SendOptions) => {
      const cfg = config();
      return withAviso(cfg, async (aviso) => {
        const project = await projectOrExit(aviso, opts.project);
        const phone = opts.channel ? opts.channel !== 'email' : isPhoneRecipient(opts.to);
        const content = opts.template
          ? {
              template: opts.template,
              data: await readData(opts.data),
              locale: opts.locale,
            }
          : phone
            ? { text: opts.text ?? 'This is a test message sent with `aviso send`.' }
            : {
                subject: opts.subject,
                text: opts.text ?? (opts.html ? undefined : 'This is a test message sent with `aviso send`.'),
                html: opts.html,
              };
        const parsed = messageInputSchema.safeParse({
          ...(opts.channel ? { channel: opts.channel } : {}),
          to: opts.to,
          from: opts.from,
          priority: opts.priority,
          ...content,
        });
        if (!parsed.success) {
          for (const issue of parsed.error.issues)
            process.stderr.write(`aviso: ${issue.path.join('.')}: ${issue.message}\n`);
          process.exitCode = 2;
          return;
        }
        const [result] = await acceptMessages(aviso.db, cfg, project.id, [parsed.data]);
        if (!result || !isPrepared(result)) {
          for (const error of result ? (result.details ?? [result]) : []) {
            process.stderr.write(`aviso: ${error.path ? `${error.path}: ` : ''}${error.message}\n`);
          }
          process.exitCode = 2;
          return;
        }
        jobNotifier(aviso.db, createLogger('silent'), 0)(result.priority);
        console.log(`accepted ${result.id}`);
        const deadline = Date.now() + Number(opts.wait) * 1000;
        let shown = 0;
        for (;;) {
          const message = await getMessage(aviso.db, project.id, result.id);
          for (const event of message?.events.slice(shown) ?? []) {
            console.log(
              `${event.at}  ${event.type}  ${Object.keys(event.details).length ? JSON.stringify(event.details) : ''}`,
            );
          }
          shown = message?.events.length ?? shown;
          const status = message?.status;
          const waiting = status !== undefined && cancelableStatuses.includes(status);
          if (!waiting || Date.now() > deadline) {
            if (waiting) {
              console.log(`still ${status}: is a worker running? (aviso start, or aviso worker)`);
            }
            console.log(`status: ${status}`);
            return;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      });
    });
}
