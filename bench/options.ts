// The benchmark's few settings, read from the environment in this one place (like
// src/config/config.ts for Aviso itself). Sizes are the DESIGN.md workloads times BENCH_SCALE.
import { z } from 'zod';

export const scenarioNames = [
  'batch',
  'single',
  'worker',
  'templated',
  'priority',
  'queues',
  'render',
  'sms',
] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** One entry per setting: environment name, default and documentation. */
export const benchSettings = {
  scale: {
    env: 'BENCH_SCALE',
    doc: 'Multiplies every message/job count and duration (0.1 for a quick check).',
    schema: z.coerce.number().positive().max(10).default(1),
  },
  only: {
    env: 'BENCH_ONLY',
    doc: `Comma-separated scenarios to run (${scenarioNames.join(', ')}); unset: all of them.`,
    schema: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(scenarioNames)).min(1))
      .default([...scenarioNames]),
  },
  databaseUrl: {
    env: 'BENCH_DATABASE_URL',
    doc: 'Maintenance database of an external PostgreSQL (a role allowed to CREATE DATABASE); unset: an embedded one in a temporary folder.',
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  },
  profileDir: {
    env: 'BENCH_PROFILE_DIR',
    doc: 'Folder for CPU profiles (--cpu-prof) of the `aviso api` and `aviso worker` processes the bench starts; unset: none.',
    schema: z.string().min(1).optional(),
  },
  logLevel: {
    env: 'BENCH_LOG_LEVEL',
    doc: "Aviso's pino log level during the bench.",
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('error'),
  },
} as const;

type Settings = typeof benchSettings;
export type BenchOptions = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export function loadBenchOptions(env: NodeJS.ProcessEnv): BenchOptions {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(benchSettings)) {
    const raw = env[setting.env] === '' ? undefined : env[setting.env];
    const parsed = setting.schema.safeParse(raw);
    if (!parsed.success)
      throw new Error(`Invalid ${setting.env}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    out[key] = parsed.data;
  }
  return out as BenchOptions;
}

/** A count scaled by BENCH_SCALE, never below `min`. */
export function scaled(options: BenchOptions, full: number, min = 1): number {
  return Math.max(min, Math.round(full * options.scale));
}
