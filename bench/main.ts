// `npm run bench`: the performance budget of DESIGN.md, measured. Starts what it needs (an
// embedded PostgreSQL in a temporary folder unless BENCH_DATABASE_URL is set, a fresh database
// per scenario, loopback SMTP sinks), prints figures, and stops everything at the end or on
// Ctrl-C. Traffic stays on 127.0.0.1. Settings: bench/options.ts. `npm run bench -- --json`
// also writes every figure as JSON (bench-results/<time>.json, or `--json=<file>`), so runs can
// be compared.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { runBatchAccept } from './batch-accept.ts';
import {
  type BenchOptions,
  benchSettings,
  loadBenchOptions,
  type ScenarioName,
  scenarioNames,
} from './options.ts';
import { type BenchPostgres, startBenchPostgres } from './postgres.ts';
import { runPriority } from './priority.ts';
import { runQueueLibraries } from './queue-libraries.ts';
import { runRender } from './render.ts';
import { failed, formatMs, heading, note, records } from './report.ts';
import { Scope } from './scope.ts';
import { runSingleAccept } from './single-accept.ts';
import { runSms } from './sms.ts';
import { runTemplated } from './templated.ts';
import { runWorkerThroughput } from './worker-throughput.ts';

type Scenario = (options: BenchOptions, postgres: BenchPostgres, scope: Scope) => Promise<void>;

const scenarios: Record<ScenarioName, { title: string; run: Scenario }> = {
  batch: { title: '1. Batch accept: POST /v1/messages/batch', run: runBatchAccept },
  single: { title: '2. Single accept: POST /v1/messages (autocannon)', run: runSingleAccept },
  worker: { title: '3. Worker → loopback SMTP sink vs nodemailer alone', run: runWorkerThroughput },
  templated: {
    title: '3b. Templated order confirmations → SMTP sink vs nodemailer sending the same rendered mail',
    run: runTemplated,
  },
  priority: { title: '4. High priority while bulk messages wait', run: runPriority },
  queues: { title: '5. Queue libraries: graphile-worker, pg-boss, Aviso', run: runQueueLibraries },
  render: { title: '6. Rendering: the order confirmation from its published version', run: runRender },
  sms: { title: '7. SMS: worker → SMPP (local SMSC) and → HTTP (fake Twilio)', run: runSms },
};

/** `--json` or `--json=<file>`: where to write the figures, if anywhere. */
function jsonTarget(argv: string[]): string | undefined {
  const flag = argv.find((a) => a === '--json' || a.startsWith('--json='));
  if (!flag) return undefined;
  return flag.includes('=')
    ? flag.slice('--json='.length)
    : `bench-results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
}

async function main(): Promise<number> {
  const json = jsonTarget(process.argv.slice(2));
  let options: BenchOptions;
  try {
    options = loadBenchOptions(process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\nSettings:\n`);
    for (const s of Object.values(benchSettings)) process.stderr.write(`  ${s.env.padEnd(20)} ${s.doc}\n`);
    return 2;
  }
  const startedAt = performance.now();
  process.stdout.write(
    `Aviso bench — Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'}), ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB\n` +
      `BENCH_SCALE=${options.scale}, scenarios: ${options.only.join(', ')}\n`,
  );

  let postgres: BenchPostgres | undefined;
  let current: Scope | undefined;
  let interrupted = false;
  const interrupt = (signal: string) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping what the bench started (again to exit at once)\n`);
    void (async () => {
      await current?.close();
      await postgres?.stop();
      process.exit(130);
    })();
  };
  process.on('SIGINT', () => interrupt('SIGINT'));
  process.on('SIGTERM', () => interrupt('SIGTERM'));

  let failures = 0;
  try {
    postgres = await startBenchPostgres(options.databaseUrl);
    process.stdout.write(`${postgres.description}\n`);
    for (const name of scenarioNames.filter((n) => options.only.includes(n))) {
      const scenario = scenarios[name];
      const load = loadavg()[0] ?? 0;
      heading(name, scenario.title, load);
      note(`(load average before: ${load.toFixed(2)} on ${availableParallelism()} cores)`);
      const scope = new Scope();
      current = scope;
      const started = performance.now();
      try {
        await scenario.run(options, postgres, scope);
      } catch (err) {
        // On Ctrl-C the signal handler stops everything and exits; just wait for it.
        if (interrupted) await new Promise(() => {});
        failures++;
        failed((err as Error).message);
        note(`FAILED: ${(err as Error).stack ?? String(err)}`);
      } finally {
        await scope.close();
        current = undefined;
      }
      note(`(scenario took ${formatMs(performance.now() - started)})`);
    }
  } finally {
    await postgres?.stop();
  }
  if (json) {
    mkdirSync(dirname(json), { recursive: true });
    const document = {
      startedAt: new Date(Date.now() - (performance.now() - startedAt)).toISOString(),
      node: process.version,
      cores: availableParallelism(),
      cpu: cpus()[0]?.model.trim(),
      memoryBytes: totalmem(),
      scale: options.scale,
      postgres: postgres?.description,
      scenarios: records,
    };
    writeFileSync(json, `${JSON.stringify(document, null, 2)}\n`);
    process.stdout.write(`\nFigures written to ${json}\n`);
  }
  process.stdout.write(
    `\nDone in ${formatMs(performance.now() - startedAt)}${failures ? `, ${failures} scenario(s) FAILED` : ''}.\n`,
  );
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
