// Templates as code: a folder that people keep in git and review. One folder per template or
// layout; what is Liquid/MJML lives in its own file per locale, the rest in a small JSON file:
//
//   layouts/<key>/layout.json                {name, description}
//   layouts/<key>/<locale>/email.mjml|.html  with {{ content }} where the template goes
//   layouts/<key>/<locale>/email.txt
//   templates/<key>/template.json            {name, description, category, layout,
//                                             locales: {<locale>: {email: {subject, preheader},
//                                                                  sms: {transliterate}, whatsapp}}}
//   templates/<key>/sample-data.json
//   templates/<key>/<locale>/email.mjml|.html, email.txt, sms.liquid
//
// Reading checks each item against the same schemas as the API; errors name the file.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { formatPath } from '../errors/index.ts';
import { parseUntrustedJson } from '../records/index.ts';
import {
  type LayoutContent,
  layoutContentSchema,
  type TemplateContent,
  templateContentSchema,
  templateKeySchema,
} from './content.ts';

interface FolderTemplate {
  key: string;
  content: TemplateContent;
  sampleData: Record<string, unknown>;
}

interface FolderLayout {
  key: string;
  content: LayoutContent;
}

export interface TemplateFolder {
  layouts: FolderLayout[];
  templates: FolderTemplate[];
}

/** A problem in the folder: the file (relative to the folder) and what is wrong. */
export interface FolderIssue {
  file: string;
  message: string;
}

export class TemplateFolderError extends Error {
  constructor(readonly issues: FolderIssue[]) {
    super(issues.map((i) => `${i.file}: ${i.message}`).join('\n'));
    this.name = 'TemplateFolderError';
  }
}

const emailFiles = { 'email.mjml': 'mjml', 'email.html': 'html', 'email.txt': 'text' } as const;
type EmailFileFields = Partial<Record<(typeof emailFiles)[keyof typeof emailFiles], string>>;

/** The email files of one locale folder (of a template or a layout), by content field. */
async function readEmailFiles(localeDir: string): Promise<EmailFileFields> {
  const email: EmailFileFields = {};
  for (const [file, field] of Object.entries(emailFiles)) {
    const text = await readContent(join(localeDir, file));
    if (text !== undefined) email[field] = text;
  }
  return email;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function subfolders(path: string): Promise<string[]> {
  if (!(await isDirectory(path))) return [];
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** A content file: the newline that ends the file is the file's, not the content's. */
async function readContent(path: string): Promise<string | undefined> {
  return (await readOptional(path))?.replace(/\n$/, '');
}

async function readOptional(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

export async function readTemplateFolder(dir: string): Promise<TemplateFolder> {
  const issues: FolderIssue[] = [];
  const readJson = async (file: string, required: boolean): Promise<Record<string, unknown> | undefined> => {
    const text = await readOptional(join(dir, file));
    if (text === undefined) {
      if (required) issues.push({ file, message: 'missing' });
      return undefined;
    }
    try {
      const value: unknown = parseUntrustedJson(text);
      if (value && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
      issues.push({ file, message: 'must hold a JSON object' });
    } catch (err) {
      issues.push({ file, message: `not valid JSON: ${(err as Error).message}` });
    }
    return undefined;
  };
  const check = <T extends z.ZodType>(schema: T, value: unknown, file: string): z.output<T> | undefined => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      issues.push({ file, message: `${formatPath(issue.path) || '(top)'}: ${issue.message}` });
    }
    return undefined;
  };
  const checkKey = (key: string, folder: string) => {
    const ok = templateKeySchema.safeParse(key).success;
    if (!ok)
      issues.push({
        file: folder,
        message: `"${key}" is not a valid key (lower-case letters, digits, ".", "_", "-")`,
      });
    return ok;
  };

  const layouts: FolderLayout[] = [];
  for (const key of await subfolders(join(dir, 'layouts'))) {
    const folder = `layouts/${key}`;
    if (!checkKey(key, folder)) continue;
    const meta = await readJson(`${folder}/layout.json`, true);
    const locales: Record<string, { email: EmailFileFields }> = {};
    for (const locale of await subfolders(join(dir, folder))) {
      locales[locale] = { email: await readEmailFiles(join(dir, folder, locale)) };
    }
    const content = meta && check(layoutContentSchema, { ...meta, locales }, `${folder}/layout.json`);
    if (content) layouts.push({ key, content });
  }

  const templates: FolderTemplate[] = [];
  for (const key of await subfolders(join(dir, 'templates'))) {
    const folder = `templates/${key}`;
    if (!checkKey(key, folder)) continue;
    const meta = await readJson(`${folder}/template.json`, true);
    const sampleData = (await readJson(`${folder}/sample-data.json`, false)) ?? {};
    if (!meta) continue;
    const declared = (meta.locales ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
    const locales: Record<string, Record<string, Record<string, unknown>>> = {};
    const names = new Set([...Object.keys(declared), ...(await subfolders(join(dir, folder)))]);
    for (const locale of names) {
      const parts = { ...(declared[locale] ?? {}) };
      const email = { ...(parts.email ?? {}), ...(await readEmailFiles(join(dir, folder, locale))) };
      if (Object.keys(email).length > 0) parts.email = email;
      const sms = await readContent(join(dir, folder, locale, 'sms.liquid'));
      if (sms !== undefined) parts.sms = { ...(parts.sms ?? {}), text: sms };
      locales[locale] = parts;
    }
    const content = check(templateContentSchema, { ...meta, locales }, `${folder}/template.json`);
    if (content) templates.push({ key, content, sampleData });
  }
  if (issues.length > 0) throw new TemplateFolderError(issues);
  return { layouts, templates };
}

/** Writes items in the folder format, replacing each item's folder entirely. */
export async function writeTemplateFolder(dir: string, folder: TemplateFolder): Promise<string[]> {
  const written: string[] = [];
  // Every file ends with a newline, which reading takes off again.
  const put = async (file: string, text: string) => {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), `${text}\n`);
    written.push(file);
  };
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  const putEmailFiles = async (localeDir: string, email: EmailFileFields) => {
    for (const [file, field] of Object.entries(emailFiles)) {
      const text = email[field];
      if (text !== undefined) await put(`${localeDir}/${file}`, text);
    }
  };

  for (const { key, content } of folder.layouts) {
    const base = `layouts/${key}`;
    await rm(join(dir, base), { recursive: true, force: true });
    const { locales, ...meta } = content;
    await put(`${base}/layout.json`, json(meta));
    for (const [locale, { email }] of Object.entries(locales))
      await putEmailFiles(`${base}/${locale}`, email);
  }
  for (const { key, content, sampleData } of folder.templates) {
    const base = `templates/${key}`;
    await rm(join(dir, base), { recursive: true, force: true });
    const meta: Record<string, unknown> = { ...content, locales: {} };
    const declared: Record<string, Record<string, unknown>> = {};
    for (const [locale, { email, sms, whatsapp }] of Object.entries(content.locales)) {
      const entry: Record<string, unknown> = {};
      if (email) {
        const { mjml, html, text, ...rest } = email;
        entry.email = rest;
        await putEmailFiles(`${base}/${locale}`, { mjml, html, text });
      }
      if (sms) {
        await put(`${base}/${locale}/sms.liquid`, sms.text);
        if (sms.transliterate) entry.sms = { transliterate: true };
      }
      if (whatsapp) entry.whatsapp = whatsapp;
      declared[locale] = entry;
    }
    meta.locales = declared;
    await put(`${base}/template.json`, json(meta));
    if (Object.keys(sampleData).length > 0) await put(`${base}/sample-data.json`, json(sampleData));
  }
  return written;
}
