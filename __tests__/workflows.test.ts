import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { repositoryRoot } from './support/action-runner.js';

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
}
interface Workflow {
  readonly jobs: Readonly<Record<string, { readonly steps: readonly Step[] }>>;
}

const workflowsDirectory = path.join(repositoryRoot, '.github', 'workflows');
const workflows = readdirSync(workflowsDirectory).map((name) => ({
  name,
  workflow: parse(readFileSync(path.join(workflowsDirectory, name), 'utf8')) as Workflow,
}));
const action = parse(readFileSync(path.join(repositoryRoot, 'action.yml'), 'utf8')) as {
  inputs: Record<string, unknown>;
};
const steps = workflows.flatMap(({ name, workflow }) =>
  Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => ({ name, step }))),
);
const scripts = (
  JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

describe("the repository's own workflows", () => {
  test('one runs the action itself (uses: ./) on examples/', () => {
    const own = steps.filter(({ step }) => step.uses === './');
    expect(own.length).toBeGreaterThan(0);
    expect(own.some(({ step }) => step.with?.['working-directory'] === 'examples')).toBe(true);
  });

  test('every input they give the action is one action.yml declares', () => {
    for (const { name, step } of steps.filter(({ step }) => step.uses === './')) {
      for (const input of Object.keys(step.with ?? {})) {
        expect(Object.keys(action.inputs), `${name}: ${input}`).toContain(input);
      }
    }
  });

  test('one checks that dist/ matches the sources, with scripts that exist', () => {
    const runs = steps.flatMap(({ step }) => (step.run === undefined ? [] : [step.run]));
    expect(runs).toContain('npm run check-dist');
    for (const command of runs.filter((text) => text.startsWith('npm run '))) {
      expect(Object.keys(scripts)).toContain(command.slice('npm run '.length).split(' ')[0]);
    }
  });
});
