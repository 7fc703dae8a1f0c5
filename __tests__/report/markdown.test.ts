import { describe, expect, it } from 'vitest';
import {
  escapeMarkdown,
  renderMarkdown,
  renderTerminalReasons,
  renderTerminalTable,
} from '../../src/report/markdown.js';
import { compare } from '../../src/compare/compare.js';
import { MB, allPassing, limits, measured, mixedVerdict } from '../support/verdicts.js';

describe('renderMarkdown', () => {
  it('renders a full report', () => {
    expect(renderMarkdown(mixedVerdict(), {})).toMatchInlineSnapshot(`
      "## ❌ Image sizes: 2 of 6 services failed — total 451 MB (+500 kB, +0.1%)

      | Service | Baseline | Now | Change | Budget | Status |
      |:--|--:|--:|--:|--:|:--|
      | search | 60 MB | — | — | — | 💥 error |
      | api | 180 MB | 184 MB | +4 MB (+2.2%) | 184 MB / 150 MB (123%) | ❌ fail |
      | web | 100 MB | 106 MB | +6 MB (+6.0%) | 106 MB / 200 MB (53%) | ⚠️ warn |
      | worker | — | 30 MB | — | — | 🆕 new |
      | legacy | 40 MB | — | — | — | 🗑️ removed |
      | **Total** | **450 MB** | **451 MB** | **+500 kB (+0.1%)** | **451 MB / 1 GB (45%)** | ✅ pass |

      <details><summary>2 unchanged services</summary>

      | Service | Baseline | Now | Change | Budget | Status |
      |:--|--:|--:|--:|--:|:--|
      | auth | 50 MB | 50 MB | ±0 B (±0%) | — | ✅ pass |
      | billing | 80 MB | 80.5 MB | +500 kB (+0.6%) | — | ✅ pass |

      </details>

      \`\`\`mermaid
      xychart-beta
          title "Image sizes (MB)"
          x-axis ["api", "auth", "billing", "web", "worker"]
          y-axis "MB" 0 --> 200
          bar [184, 50, 80.5, 106, 30]
          bar [180, 50, 80, 100, 0]
      \`\`\`

      <sub>Each bar is this PR’s size with the baseline drawn over it: the part above the baseline is growth. No budget line: not every service shown has a budget.</sub>

      - ❌ **api**: 184 MB is over its budget of 150 MB by 34 MB
      - 🗑️ **legacy**: no longer defined in the repository (was 40 MB)
      - 💥 **search**: build failed: exit code 1: npm ci failed
      - ⚠️ **web**: grew by 6 MB (+6.0%), more than the warning threshold of 5%
      - 🆕 **worker**: new service, no baseline yet: 30 MB
      "
    `);
  });

  it('heads a passing report with the total change', () => {
    const markdown = renderMarkdown(allPassing(), { title: 'Docker images' });
    expect(markdown.split('\n')[0]).toBe(
      '## ✅ Docker images: all 2 services within limits — total 152 MB (+2 MB, +1.3%)',
    );
  });

  it('says when failures are not enforced', () => {
    const heading = renderMarkdown(mixedVerdict('never'), {}).split('\n')[0];
    expect(heading).toBe(
      '## ⚠️ Image sizes: 2 of 6 services failed (not enforced: fail-on is never) — total 451 MB (+500 kB, +0.1%)',
    );
  });

  it('collapses only unchanged services that pass', () => {
    const markdown = renderMarkdown(mixedVerdict(), {});
    const [main = '', collapsed = ''] = markdown.split('<details>');
    expect(main).not.toMatch(/\| auth \|/);
    expect(collapsed).toMatch(/\| auth \|/);
    expect(collapsed).toMatch(/\| billing \|/);
    expect(collapsed).not.toMatch(/\| api \|/);
  });

  it('uses the singular for one unchanged service', () => {
    expect(renderMarkdown(allPassing(), {})).toContain(
      '<details><summary>1 unchanged service</summary>',
    );
  });

  it('escapes hostile service names and error text everywhere they appear', () => {
    const hostileNames = ['<img src=x>', '@org/team', 'a|b', '`rm -rf`', 'x](http://x)'];
    const verdict = compare({
      outcomes: [
        ...hostileNames.map((name) => measured(name, 10 * MB)),
        {
          name: 'broken',
          limits: limits(),
          error: 'failed <script>alert(1)</script>\nsee #12 | @admin',
          stage: 'measure',
        },
      ],
      baseline: { version: 1, services: {} },
      metric: 'uncompressed',
      failOn: 'any',
      fullRun: true,
      knownServices: [],
    });
    const rendered = renderMarkdown(verdict, { title: '[click](http://evil)' });
    const chart = /```mermaid\n[\s\S]*?\n```\n/.exec(rendered)?.[0] ?? '';
    expect(chart).toContain(
      'x-axis ["_img src_x_", "_org/team", "_rm -rf_", "a_b", "x__http://x_"]',
    );
    const markdown = rendered.replace(chart, '');

    expect(markdown).not.toMatch(/<img|<script/);
    expect(markdown).not.toMatch(/@org|@admin/);
    expect(markdown).not.toMatch(/\]\(http/);
    expect(markdown).not.toContain('`');
    expect(markdown).not.toContain('see #12');
    const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
    for (const row of rows) expect(row.match(/ \| /g)?.length).toBe(5);
    expect(markdown).toContain('| &lt;img src=x&gt; |');
    expect(markdown).toContain('| @&#8203;org/team |');
    expect(markdown).toContain('| a&#124;b |');
    expect(markdown).toContain(
      'measure failed: failed &lt;script&gt;alert(1)&lt;/script&gt;<br>see #&#8203;12 &#124; @&#8203;admin',
    );
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['<img src=x>', '&lt;img src=x&gt;'],
    ['@org/team', '@&#8203;org/team'],
    ['a|b', 'a&#124;b'],
    ['`code`', '&#96;code&#96;'],
    ['](http://x)', '&#93;(http://x)'],
    ['[a](b)', '&#91;a&#93;(b)'],
    ['&lt;', '&amp;lt;'],
    ['line\r\nbreak\nand\rmore', 'line<br>break<br>and<br>more'],
    ['my_service*x~', 'my\\_service\\*x\\~'],
    ['a\\|b', 'a\\\\&#124;b'],
    ['issue #42 and C#', 'issue #&#8203;42 and C#'],
    ['bell\u0007 and \u001b[31mred', 'bell and &#91;31mred'],
    ['api-v2.internal', 'api-v2.internal'],
  ])('%j → %j', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});

describe('renderTerminalTable', () => {
  it('aligns plain-text columns, numbers to the right', () => {
    expect(renderTerminalTable(mixedVerdict())).toMatchInlineSnapshot(`
      "Service  Baseline      Now           Change                  Budget  Status
      -------  --------  -------  ---------------  ----------------------  -------
      api        180 MB   184 MB    +4 MB (+2.2%)  184 MB / 150 MB (123%)  fail
      auth        50 MB    50 MB       ±0 B (±0%)                       —  pass
      billing     80 MB  80.5 MB  +500 kB (+0.6%)                       —  pass
      legacy      40 MB        —                —                       —  removed
      search      60 MB        —                —                       —  error
      web        100 MB   106 MB    +6 MB (+6.0%)   106 MB / 200 MB (53%)  warn
      worker          —    30 MB                —                       —  new
      -------  --------  -------  ---------------  ----------------------  -------
      Total      450 MB   451 MB  +500 kB (+0.1%)     451 MB / 1 GB (45%)  pass"
    `);
  });

  it('removes control characters from repository text', () => {
    const verdict = compare({
      outcomes: [measured('evil\u001b[2J', MB)],
      baseline: { version: 1, services: {} },
      metric: 'uncompressed',
      failOn: 'any',
      fullRun: true,
      knownServices: [],
    });
    expect(renderTerminalTable(verdict)).not.toContain('\u001b');
    expect(renderTerminalReasons(verdict)).toBe('evil?[2J: new service, no baseline yet: 1 MB');
  });
});
