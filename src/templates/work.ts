// Template work as the rest of Aviso asks for it: checks, descriptions, compiles and renders,
// each run in the template threads (threads/pool.ts) and never on the thread that answers
// requests. Renders asked for in the same turn (the messages of one batch) travel together,
// in a few chunks spread over the threads, under one budget per request.
import { ApiError, type ErrorBody } from '../errors/index.ts';
import type { CompileInput } from './compile.ts';
import type { LayoutContent, TemplateContent, TemplateKind } from './content.ts';
import type { RenderedTemplate } from './render.ts';
import { TemplateBudget, templateThreads } from './threads/pool.ts';
import { fromWire, type RenderItem } from './threads/protocol.ts';
import type { DataSchema, VariableUse } from './variables.ts';

/** Every Liquid and MJML problem of a template's or layout's content (empty: it compiles). */
export function validateContent(
  kind: TemplateKind,
  content: TemplateContent | LayoutContent,
): Promise<ErrorBody[]> {
  return templateThreads().run({ kind: 'validate', templateKind: kind, content });
}

/** The data a template's content uses: a schema and the flat list of paths with positions. */
export function describeContent(
  content: TemplateContent,
): Promise<{ schema: DataSchema; paths: VariableUse[] }> {
  return templateThreads().run({ kind: 'describe', content });
}

/** Compiles one locale to prove it can be (publishing); throws template_invalid if not. */
export async function checkCompiles(input: CompileInput): Promise<void> {
  await templateThreads().run({ kind: 'compile', input });
}

/** Compiles done in the template threads since start (tests and the bench read it). */
export function templateCompiles(): number {
  return templateThreads().compiles;
}

/** The compiled form a render uses: its cache id (the exact versions), and how to compile it. */
export interface CompileSource {
  cacheId: string;
  input: () => CompileInput;
}

interface Waiting {
  item: RenderItem;
  resolve: (rendered: RenderedTemplate) => void;
  reject: (err: Error) => void;
}

/** The largest number of messages one render job carries. */
const maxChunk = 100;

/**
 * Renders for one request (a send, a batch, a preview) under one time budget. `render` calls
 * made in the same turn are sent to the threads together; errors about a limit name
 * `errorPath` (the request's template field).
 */
export class TemplateRenderer {
  private readonly budget = new TemplateBudget(templateThreads().timeLimitMs);
  private waiting = new Map<string, { input: () => CompileInput; items: Waiting[] }>();
  private scheduled = false;

  constructor(private readonly errorPath?: string) {}

  render(source: CompileSource, item: RenderItem): Promise<RenderedTemplate> {
    return new Promise((resolve, reject) => {
      let group = this.waiting.get(source.cacheId);
      if (!group) {
        group = { input: source.input, items: [] };
        this.waiting.set(source.cacheId, group);
      }
      group.items.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush() {
    const groups = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    const threads = templateThreads();
    for (const [cacheId, { input, items }] of groups) {
      const size = Math.min(maxChunk, Math.ceil(items.length / threads.size));
      let compileInput: CompileInput;
      try {
        compileInput = input();
      } catch (err) {
        for (const w of items) w.reject(err as Error);
        continue;
      }
      for (let i = 0; i < items.length; i += size) {
        const chunk = items.slice(i, i + size);
        threads
          .run({ kind: 'render', cacheId, input: compileInput, items: chunk.map((w) => w.item) }, this.budget)
          .then(
            (outcomes) =>
              outcomes.forEach((outcome, j) => {
                const w = chunk[j] as Waiting;
                if ('rendered' in outcome) w.resolve(outcome.rendered);
                else w.reject(this.located(fromWire(outcome.error)));
              }),
            (err: Error) => {
              for (const w of chunk) w.reject(this.located(err));
            },
          );
      }
    }
  }

  /** Limits hit by the whole job (time, memory) are about the request's template field. */
  private located(err: Error): Error {
    if (err instanceof ApiError && err.path === undefined && this.errorPath && err.status === 422) {
      return new ApiError(err.code, err.message, this.errorPath, err.details);
    }
    return err;
  }
}
