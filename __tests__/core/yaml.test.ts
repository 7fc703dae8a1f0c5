import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/core/yaml.js';
import { parseComposeFile } from '../../src/services/compose.js';
import { parseConfigFile } from '../../src/services/config.js';
import { expectInputError } from '../services/expect-input-error.js';

describe('an alias inside the node its anchor names is refused, naming the key path', () => {
  it.each([
    ['x: &a [1, *a]\n', 'x[1]', '*a', 'line 1'],
    ['x: &a { A: "1", B: *a }\n', 'x.B', '*a', 'line 1'],
    // Deeper inside, through another anchor.
    ['x: &a\n  y: &b\n    z: *a\n', 'x.y.z', '*a', 'line 2'],
    ['x: &a\n  y: &b\n    z: [1, *b]\n', 'x.y.z[1]', '*b', 'line 3'],
    // A merge key that merges the mapping it is in.
    ['x: &a { <<: *a }\n', 'x["<<"]', '*a', 'line 1'],
    ['d: &d { k: 1 }\nx: &a { <<: [*d, *a] }\n', 'x["<<"][1]', '*a', 'line 2'],
    // The latest anchor of a name counts: here `&a` is redefined by the mapping holding `*a`.
    ['p: &a 1\nq: &a { r: *a }\n', 'q.r', '*a', 'line 2'],
  ])('%j: %s', (text, keyPath, alias, line) => {
    expectInputError(
      () => parseYaml(text, 'f.yml'),
      [
        `f.yml: ${keyPath}: is an alias of &${alias.slice(1)} (${line}), which contains it, so its value would never end`,
        `(got "${alias}")`,
      ],
    );
  });

  it.each([
    // Merge keys and an anchor used many times are not cycles.
    [
      'd: &d { k: 1 }\ne: { <<: *d, j: 2 }\nf: *d\ng: [*d, *d]\n',
      { d: { k: '1' }, e: { k: '1', j: '2' }, f: { k: '1' }, g: [{ k: '1' }, { k: '1' }] },
    ],
    // An alias of an earlier sibling, of a scalar, of an anchor redefined before the mapping.
    ['a: &a { x: 1 }\nb: { y: *a }\n', { a: { x: '1' }, b: { y: { x: '1' } } }],
    ['a: &s text\nb: [*s, *s]\n', { a: 'text', b: ['text', 'text'] }],
    [
      'a: &a { x: 1 }\nb: &b { y: *a, z: &a 2 }\nc: *a\n',
      { a: { x: '1' }, b: { y: { x: '1' }, z: '2' }, c: '2' },
    ],
  ])('%j is read', (text, value) => {
    expect(parseYaml(text, 'f.yml')).toEqual(value);
  });
});

describe('the config and compose files refuse a cyclic alias', () => {
  it('in the config file', () => {
    const text = [
      'services:',
      '  api:',
      '    context: .',
      '    args: &a { A: "1", B: *a }',
      '',
    ].join('\n');
    expectInputError(
      () => parseConfigFile(text, '.github/image-size.yml'),
      ['.github/image-size.yml: services.api.args.B: is an alias of &a (line 4)'],
    );
  });

  it('in a compose file', () => {
    const text = [
      'services:',
      '  api:',
      '    build:',
      '      context: .',
      '      args: &a { A: "1", B: *a }',
      '',
    ].join('\n');
    expectInputError(
      () => parseComposeFile(text, 'compose.yaml', {}),
      ['compose.yaml: services.api.build.args.B: is an alias of &a (line 5)'],
    );
  });

  it('while x-defaults with merge keys keep working in compose', () => {
    const text = [
      'x-build: &build',
      '  context: .',
      '  args: { A: "1" }',
      'services:',
      '  api:',
      '    build:',
      '      <<: *build',
      '      target: api',
      '  worker:',
      '    build: *build',
      '',
    ].join('\n');
    const services = parseComposeFile(text, 'compose.yaml', {});
    expect(services.map((service) => [service.name, service.target, service.args])).toEqual([
      ['api', 'api', { A: '1' }],
      ['worker', undefined, { A: '1' }],
    ]);
  });
});
