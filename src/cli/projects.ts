// `aviso projects create | list`.
import { Command } from 'commander';
import { createProject, listProjects } from '../projects/index.ts';
import { config, withAviso } from './common.ts';

export function projectCommands(): Command {
  const projects = new Command('projects').description('Manage projects (each with its own keys and data).');
  projects
    .command('create <name>')
    .description('Create a project.')
    .action((name: string) =>
      withAviso(config(), async (aviso) => {
        const project = await createProject(aviso.db, name);
        console.log(`${project.id}  ${project.name}`);
      }),
    );
  projects
    .command('list')
    .description('List projects.')
    .action(() =>
      withAviso(config(), async (aviso) => {
        for (const p of await listProjects(aviso.db))
          console.log(`${p.id}  ${p.name}${p.isDefault ? '  (default)' : ''}`);
      }),
    );
  return projects;
}
