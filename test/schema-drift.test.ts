// Schema drift: the migrated database is compared with a committed dump (test/golden/schema.sql),
// so every migration shows in review as a diff of the schema it produces; and the TypeScript
// description of the database (src/db/schema.ts) is held to the real tables: the same tables,
// the same columns, and `| null` exactly where a column is nullable.
// After a deliberate change: npx vitest run test/schema-drift.test.ts -u, and review the diff.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { dumpSchema, type SchemaColumn, tableColumns } from './helpers/schema-dump.ts';

/** Tables the code does not describe: the migrator's own bookkeeping. */
const untyped = new Set(['kysely_migration', 'kysely_migration_lock']);

/** What src/db/schema.ts declares: table → its columns, read with the TypeScript parser. */
function declaredTables(): Map<string, SchemaColumn[]> {
  const path = new URL('../src/db/schema.ts', import.meta.url);
  const source = ts.createSourceFile('schema.ts', readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
  });
  const database = interfaces.get('Database');
  if (!database) throw new Error('src/db/schema.ts declares no Database interface');
  const tables = new Map<string, SchemaColumn[]>();
  for (const member of database.members) {
    if (!ts.isPropertySignature(member) || !member.type || !ts.isTypeReferenceNode(member.type)) continue;
    const table = member.name.getText(source);
    const shape = interfaces.get(member.type.typeName.getText(source));
    if (!shape) throw new Error(`no interface for table ${table}`);
    const columns: SchemaColumn[] = [];
    for (const column of shape.members) {
      if (!ts.isPropertySignature(column) || !column.type) continue;
      columns.push({
        name: column.name.getText(source),
        nullable: /\|\s*null\b/.test(column.type.getText(source)),
      });
    }
    tables.set(table, columns);
  }
  return tables;
}

const byName = (columns: SchemaColumn[]) => [...columns].sort((a, b) => a.name.localeCompare(b.name));

describe('the database schema', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('is what the committed dump says (review a migration as this diff)', async () => {
    await expect(await dumpSchema(t.db)).toMatchFileSnapshot('golden/schema.sql');
  });

  it('is the one src/db/schema.ts describes, table by table and column by column', async () => {
    const real = await tableColumns(t.db);
    const declared = declaredTables();
    const realTables = [...real.keys()].filter((name) => !untyped.has(name)).sort();
    expect([...declared.keys()].sort()).toEqual(realTables);
    for (const table of realTables) {
      expect({ table, columns: byName(declared.get(table) ?? []) }).toEqual({
        table,
        columns: byName(real.get(table) ?? []),
      });
    }
  });
});
