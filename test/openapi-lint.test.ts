// The OpenAPI document passes Redocly's and Spectral's linters with the repository's configs
// (redocly.yaml with .redocly.lint-ignore.yaml, .spectral.yaml): no error, and no warning
// that the configs do not list with their reason. The document is built in-process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintFromString, loadConfig, parseYaml } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import Parsers from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/api/openapi-document.ts';

const root = join(import.meta.dirname, '..');
// Problems are reported against the committed copy of the document, which is the same text
// (test/typescript-client.test.ts), so that the ignore file matches the linters' CLIs.
const documentPath = join(root, 'clients/typescript/openapi.json');
let text: string;

beforeAll(async () => {
  text = JSON.stringify(await openApiDocument(), null, 2);
});

const said = (problems: { rule: string; where: string; message: string }[]) =>
  problems.map((p) => `${p.rule} at ${p.where}: ${p.message}`);

describe('the OpenAPI document', () => {
  it('passes Redocly lint (recommended) with nothing but the listed warnings', async () => {
    const config = await loadConfig({ configPath: join(root, 'redocly.yaml') });
    const problems = await lintFromString({ source: text, absoluteRef: documentPath, config });
    const left = problems
      .map((p) => config.addProblemToIgnore(p))
      .filter((p) => !p.ignored && (p.severity === 'error' || p.severity === 'warn'))
      .map((p) => ({ rule: p.ruleId, where: p.location[0]?.pointer ?? '', message: p.message }));
    expect(said(left)).toEqual([]);
  });

  it('passes Spectral lint (spectral:oas) with the rules .spectral.yaml turns off', async () => {
    const ruleset = parseYaml(readFileSync(join(root, '.spectral.yaml'), 'utf8')) as {
      extends: string[];
      rules?: Record<string, unknown>;
    };
    expect(ruleset.extends).toEqual(['spectral:oas']);
    const spectral = new spectralCore.Spectral();
    spectral.setRuleset({ extends: [[oas, 'recommended']], rules: ruleset.rules ?? {} } as never);
    const results = await spectral.run(new spectralCore.Document(text, Parsers.Json, documentPath));
    // Severities: 0 error, 1 warning, 2 information, 3 hint.
    const left = results
      .filter((r) => r.severity <= 1)
      .map((r) => ({ rule: String(r.code), where: r.path.join('.'), message: r.message }));
    expect(said(left)).toEqual([]);
  });
});
