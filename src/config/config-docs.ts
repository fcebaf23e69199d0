// The settings table as people read it: the README's configuration table and the settings part
// of `aviso --help`, both written from `settings` so they say the same thing (names, defaults,
// texts). Pure functions; `npm run docs:config` writes the table into README.md.
import { settings } from './config.ts';

export interface SettingDoc {
  env: string;
  /** What Aviso uses when the setting is not given; undefined: nothing (the doc says what then). */
  defaultValue: string | undefined;
  /** Markdown: code in backticks. */
  doc: string;
}

/** Every setting in table order, its default as written in the environment. */
export function settingDocs(): SettingDoc[] {
  return Object.values(settings).map((setting) => {
    // The default is what loading an unset setting gives, so it cannot drift from the schema.
    const parsed = setting.schema.safeParse(undefined);
    const value: unknown = parsed.success ? parsed.data : undefined;
    return {
      env: setting.env,
      defaultValue: value === undefined ? undefined : Array.isArray(value) ? value.join(',') : String(value),
      doc: setting.doc,
    };
  });
}

const tableStart =
  '<!-- settings table: written by `npm run docs:config` from src/config/config.ts; edit it there -->';
const tableEnd = '<!-- end of settings table -->';

/** The README's configuration table, with columns padded the way Biome formats Markdown. */
export function settingsMarkdownTable(docs: SettingDoc[] = settingDocs()): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = [
    ['variable', 'default', 'meaning'],
    ...docs.map((d) => [
      `\`${d.env}\``,
      d.defaultValue === undefined ? '—' : `\`${d.defaultValue}\``,
      cell(d.doc),
    ]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => [...(row[i] ?? '')].length)));
  const line = (row: string[]) =>
    `| ${row.map((text, i) => text + ' '.repeat((widths[i] ?? 0) - [...text].length)).join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The table between the README's markers. */
export function readmeSettingsTable(readme: string): string {
  const { start, end } = markers(readme);
  return readme.slice(start, end).trim();
}

/** The README with the table between its markers replaced by the one `settings` gives. */
export function withSettingsTable(readme: string): string {
  const { start, end } = markers(readme);
  return `${readme.slice(0, start)}\n\n${settingsMarkdownTable()}\n\n${readme.slice(end)}`;
}

/** Where the table's text starts and ends; throws if the README lacks the markers. */
function markers(readme: string): { start: number; end: number } {
  const start = readme.indexOf(tableStart);
  const end = readme.indexOf(tableEnd);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${tableStart} … ${tableEnd}`);
  return { start: start + tableStart.length, end };
}

/** The settings part of `aviso --help`: each name with its default, then its text wrapped. */
export function settingsHelp(width = 100): string {
  const indent = '      ';
  const entries = settingDocs().map((d) => {
    const head = `  ${d.env}  ${d.defaultValue === undefined ? '(no default)' : `default: ${d.defaultValue}`}`;
    return [head, ...wrap(d.doc.replaceAll('`', ''), width - indent.length).map((l) => indent + l)].join(
      '\n',
    );
  });
  return [
    'Settings, from the environment or aviso.config.json (camelCase keys; the environment wins):',
    ...entries,
  ].join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
