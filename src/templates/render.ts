// Renders a compiled template with a message's data: subject, SMS and WhatsApp parameters as
// plain text (no HTML escaping surprises), the HTML part escaped. A render that lacks data
// fails with template_variable_missing listing every missing path, not just the first.
import type { Template } from 'liquidjs';
import { type SmsSegmentation, segmentSms, transliterateToGsm } from '../channels/sms/index.ts';
import { ApiError, type ErrorBody } from '../errors/index.ts';
import { channels as allChannels, type Channel } from '../vocabulary.ts';
import type { CompiledTemplate } from './compile.ts';
import { type OutputPart, outputTooLarge } from './limits.ts';
import { htmlEngine, liquidIssue, type RenderEnvironment, systemVariables, textEngine } from './liquid.ts';
import { findMissingVariables } from './missing-variables.ts';

export type { Channel } from '../vocabulary.ts';

interface RenderedEmail {
  subject: string;
  html?: string;
  text?: string;
}

interface RenderedSms extends SmsSegmentation {
  text: string;
}

export interface RenderedWhatsApp {
  template: string;
  language: string;
  /** The Cloud API's `components`, ready to send. */
  components: {
    type: 'header' | 'body' | 'button';
    sub_type?: 'url';
    index?: string;
    parameters: { type: 'text'; text: string }[];
  }[];
}

export interface RenderedTemplate {
  email?: RenderedEmail;
  sms?: RenderedSms;
  whatsapp?: RenderedWhatsApp;
}

function isUndefinedVariable(err: unknown): boolean {
  const e = err as { name?: string; originalError?: { name?: string } };
  return e.name === 'UndefinedVariableError' || e.originalError?.name === 'UndefinedVariableError';
}

/** Collapses what a template's conditionals leave behind: trailing blanks, runs of empty lines. */
function tidyText(text: string): string {
  return text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Renders the parts of `compiled` for `channels` (all it has when not given). */
export function renderTemplate(
  compiled: CompiledTemplate,
  data: Record<string, unknown>,
  environment: RenderEnvironment,
  channels: readonly Channel[] = allChannels,
): RenderedTemplate {
  const run = (scope: object) => renderParts(compiled, scope, environment, channels);
  try {
    return run(data);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (isUndefinedVariable(err)) {
      const missing = findMissingVariables(data, run, isUndefinedVariable);
      if (missing.length > 0) {
        throw ApiError.of(
          missing.map(
            (m): ErrorBody => ({
              code: 'template_variable_missing',
              message:
                m.path === m.pattern
                  ? `The template uses "${m.pattern}", which the data does not have.`
                  : `The template uses "${m.pattern}"; "${m.path}" is missing.`,
              path: `data.${m.pattern}`,
            }),
          ),
        );
      }
    }
    const issue = liquidIssue(err);
    const where = issue.line !== undefined ? ` (line ${issue.line}, column ${issue.column})` : '';
    throw new ApiError('template_render_failed', `${issue.message}${where}`, 'data');
  }
}

function renderParts(
  compiled: CompiledTemplate,
  scope: object,
  environment: RenderEnvironment,
  channels: readonly Channel[],
): RenderedTemplate {
  const options = { globals: { ...systemVariables, aviso: environment } };
  // Every rendered part is bounded: a loop over the data (or a layout repeating its content)
  // must not make a message of hundreds of megabytes.
  const bounded = (part: OutputPart, value: string) => {
    const tooLarge = outputTooLarge(part, value.length);
    if (tooLarge) throw ApiError.of([tooLarge]);
    return value;
  };
  const text = (t: Template[]) => textEngine.renderSync(t, scope, options) as string;
  const line = (t: Template[]) =>
    text(t)
      .replace(/\s*[\r\n]+\s*/g, ' ')
      .trim();
  const out: RenderedTemplate = {};
  const { email, sms, whatsapp } = compiled;
  if (email && channels.includes('email')) {
    out.email = { subject: bounded('subject', line(email.subject)) };
    if (email.html)
      out.email.html = bounded('html', htmlEngine.renderSync(email.html, scope, options) as string);
    if (email.text) out.email.text = bounded('text', tidyText(text(email.text)));
  }
  if (sms && channels.includes('sms')) {
    let body = bounded('sms', tidyText(text(sms.text)));
    if (sms.transliterate) body = transliterateToGsm(body);
    out.sms = { text: body, ...segmentSms(body) };
  }
  if (whatsapp && channels.includes('whatsapp')) {
    const params = (parts: Template[][]) =>
      parts.map((p) => ({ type: 'text' as const, text: bounded('whatsappParameter', line(p)) }));
    const components: RenderedWhatsApp['components'] = [];
    if (whatsapp.header.length > 0) components.push({ type: 'header', parameters: params(whatsapp.header) });
    if (whatsapp.body.length > 0) components.push({ type: 'body', parameters: params(whatsapp.body) });
    for (const button of whatsapp.buttons) {
      components.push({
        type: 'button',
        sub_type: 'url',
        index: String(button.index),
        parameters: params([button.text]),
      });
    }
    out.whatsapp = { template: whatsapp.template, language: whatsapp.language, components };
  }
  return out;
}
