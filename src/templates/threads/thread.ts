// One template thread: compiles, checks and renders templates away from the thread that
// answers HTTP requests, so a slow or hostile template delays only its own request. Keeps its
// own cache of compiled templates. Must never touch the database or the network.
import { parentPort } from 'node:worker_threads';
import { compiledTemplate, compileStats, compileTemplate } from '../compile.ts';
import type { LayoutContent, TemplateContent } from '../content.ts';
import { renderTemplate } from '../render.ts';
import { validateLayoutContent, validateTemplateContent } from '../validate.ts';
import { describeTemplateData } from '../variables.ts';
import { type RenderOutcome, type TemplateJob, type ThreadMessage, toWire } from './protocol.ts';

async function handle(job: TemplateJob): Promise<unknown> {
  switch (job.kind) {
    case 'validate':
      return job.templateKind === 'layout'
        ? validateLayoutContent(job.content as LayoutContent)
        : validateTemplateContent(job.content as TemplateContent);
    case 'describe':
      return describeTemplateData(job.content);
    case 'compile':
      await compileTemplate(job.input);
      return null;
    case 'render': {
      const compiled = await compiledTemplate(job.cacheId, () => job.input);
      return job.items.map((item): RenderOutcome => {
        try {
          return { rendered: renderTemplate(compiled, item.data, item.environment, item.channels) };
        } catch (err) {
          return { error: toWire(err) };
        }
      });
    }
  }
}

const port = parentPort;
if (!port) throw new Error('templates/threads/thread.ts runs as a worker thread');
const post = (message: ThreadMessage) => port.postMessage(message);
port.on('message', async ({ id, job }: { id: number; job: TemplateJob }) => {
  try {
    const value = await handle(job);
    post({ id, ok: true, value, compiles: compileStats.compiles });
  } catch (err) {
    post({ id, ok: false, error: toWire(err), compiles: compileStats.compiles });
  }
});
post({ ready: true });
