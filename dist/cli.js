#!/usr/bin/env node
import { createRequire as __isgCreateRequire } from 'node:module';
import { fileURLToPath as __isgFileURLToPath } from 'node:url';
import { dirname as __isgDirname } from 'node:path';
const require = __isgCreateRequire(import.meta.url);
const __filename = __isgFileURLToPath(import.meta.url);
const __dirname = __isgDirname(__filename);
import {
  INPUT_SOURCE,
  InputError,
  assertReportPathIsSafe,
  buildJsonReport,
  dockerClient,
  errorMessage,
  execCommand,
  exitOnStopSignals,
  matrixOf,
  mergeReportFiles,
  parseInputs,
  planRepository,
  renderBuildsTerminal,
  renderPlan,
  renderTerminalHints,
  renderTerminalPackages,
  renderTerminalReasons,
  renderTerminalTable,
  repositoryServices,
  runGate,
  writeJsonReport
} from "./chunk-KR4PIFLC.js";

// src/cli.ts
import { parseArgs } from "node:util";
var USAGE = `Usage: image-size-gate <check|update|report|plan> [options]

Builds every service, measures each image, and compares it with the baseline.
  check    exit 1 when a service breaks its budget or grows too much
  update   also write the measured sizes to the baseline file
  report   merge JSON reports (--reports) into one verdict, without building
  plan     split the services into --shards N balanced by baseline size; prints the matrix

Options (the same names as the action's inputs):
  -C, --working-directory DIR   repository root (default: .)
  --config FILE                 config file (default: .github/image-size.yml)
  --compose-file FILE           compose file(s), comma separated (default: auto-detected)
  --baseline FILE               baseline JSON (default: .github/image-size-baseline.json)
  --services LIST               names or globs, comma separated (default: all)
  --metric NAME                 uncompressed or compressed
  --budget SIZE                 default per-service budget (e.g. 500MB)
  --max-increase LIMIT          allowed growth vs baseline (default: 10%)
  --warn-increase LIMIT         growth that is reported as a warning
  --max-creep LIMIT             allowed growth over the baseline's last 10 commits (e.g. 20%)
  --ignore-below SIZE           changes smaller than this are noise (default: 1MB)
  --total-budget SIZE           ceiling for all services together
  --max-wasted SIZE             ceiling for bytes later layers delete or overwrite
  --min-efficiency PERCENT      floor for 1 \u2212 wasted/size (e.g. 90%)
  --max-layers N                ceiling for the number of layers
  --no-new-layers true|false    fail when a service has more layers than its baseline
  --analyze auto|all|none       deep analysis: files, waste and hints (default: auto)
  --fail-on WHEN                any, budget or never (default: any)
  --build-arg KEY=VALUE         passed to every build (repeatable)
  --platform OS/ARCH[,OS/ARCH]  platforms to build and measure (each one measured)
  --parallel N                  services built at once (default: 2)
  --cache gha|none              (default: none outside GitHub Actions)
  --cache-scope PREFIX          prefix of per-service cache scopes
  --builder NAME                buildx builder to use
  --load true|false             load built images into the engine (default: false)
  --report-file FILE            where to write the JSON report
  --reports LIST                report: JSON reports to merge (files, directories, globs)
  --shards N                    plan: how many shards (1 to 256)
  -v, --verbose                 print every build log
  -h, --help                    show this help
`;
var STRING_OPTIONS = [
  "working-directory",
  "config",
  "compose-file",
  "baseline",
  "services",
  "metric",
  "budget",
  "max-increase",
  "warn-increase",
  "max-creep",
  "ignore-below",
  "total-budget",
  "fail-on",
  "platform",
  "parallel",
  "cache",
  "cache-scope",
  "builder",
  "load",
  "report-file",
  "reports",
  "max-wasted",
  "min-efficiency",
  "max-layers",
  "no-new-layers",
  "analyze",
  "shards"
];
var TERMINAL_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
function inert(text) {
  return text.replace(TERMINAL_CONTROL, "?");
}
function terminalLog(verbose) {
  return {
    info: (message) => process.stderr.write(`${inert(message)}
`),
    warning: (message) => process.stderr.write(`warning: ${inert(message)}
`),
    block(title, lines) {
      if (!verbose || lines.length === 0) return;
      const body = lines.map((line) => `   ${inert(line)}`).join("\n");
      process.stderr.write(`\u2500\u2500 ${inert(title)}
${body}
`);
    }
  };
}
async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        ...Object.fromEntries(STRING_OPTIONS.map((name) => [name, { type: "string" }])),
        C: { type: "string" },
        "build-arg": { type: "string", multiple: true },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" }
      }
    });
  } catch (error) {
    process.stderr.write(`${errorMessage(error)}

${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = positionals[0];
  if (command !== "check" && command !== "update" && command !== "report" && command !== "plan" || positionals.length > 1) {
    process.stderr.write(
      `Expected one command, check, update, report or plan (got ${positionals.join(" ") || "none"}).

${USAGE}`
    );
    return 1;
  }
  const option = (name) => stringValue(values[name]);
  const readOption = (name) => {
    if (name === "mode") return command;
    if (name === "build-args") return (values["build-arg"] ?? []).join("\n");
    if (name === "working-directory") return option("working-directory") || option("C");
    if (name === "cache") return option("cache") || (process.env["GITHUB_ACTIONS"] ? "" : "none");
    return option(name);
  };
  try {
    const env = { ...process.env, GITHUB_WORKSPACE: void 0 };
    const inputs = parseInputs(readOption, env, process.cwd());
    if (inputs.mode === "plan") {
      const { plan, note } = await planRepository(inputs, env);
      if (note !== void 0) process.stderr.write(`warning: ${note}
`);
      process.stderr.write(`${renderPlan(plan)}
`);
      process.stdout.write(`${matrixOf(plan)}
`);
      return 0;
    }
    await assertReportPathIsSafe(inputs, execCommand);
    const log = terminalLog(values.verbose === true);
    const { verdict, baselineWritten } = inputs.mode === "report" ? {
      ...await mergeReportFiles(inputs.reports, inputs.workingDirectory, {
        repository: repositoryServices(inputs, process.env),
        totalBudget: inputs.totalBudget,
        failOn: inputs.failOn
      }),
      baselineWritten: void 0
    } : await runGate(inputs, {
      docker: dockerClient(process.env),
      exec: execCommand,
      log,
      env: process.env
    });
    const report = buildJsonReport(verdict, {
      generatedAt: (/* @__PURE__ */ new Date()).toISOString(),
      mode: inputs.mode
    });
    const reportWritten = await writeJsonReport(inputs.reportPath, report, log);
    const builds = renderBuildsTerminal(verdict);
    if (builds) process.stdout.write(`
${builds}
`);
    process.stdout.write(`
${renderTerminalTable(verdict)}
`);
    const reasons = renderTerminalReasons(verdict);
    if (reasons) process.stdout.write(`
${reasons}
`);
    const packages = renderTerminalPackages(verdict);
    if (packages !== "") process.stdout.write(`
${packages}
`);
    const hints = renderTerminalHints(verdict, inputs.analyze === "all");
    if (hints) process.stdout.write(`
${hints}
`);
    if (reportWritten) process.stdout.write(`
Report: ${inputs.reportPath}
`);
    if (baselineWritten) process.stdout.write(`Baseline written: ${baselineWritten}
`);
    process.stdout.write(verdict.passed ? "\nThe gate passed.\n" : "\nThe gate failed.\n");
    return verdict.passed ? 0 : 1;
  } catch (error) {
    process.stderr.write(
      `${error instanceof InputError ? "Bad input: " : "Error: "}${cliMessage(error)}
`
    );
    return 1;
  }
}
function cliMessage(error) {
  if (!(error instanceof InputError) || error.file !== INPUT_SOURCE) return errorMessage(error);
  const flag = error.key === "build-args" ? "--build-arg" : `--${error.key}`;
  return errorMessage(new InputError("command line", flag, error.value, error.problem));
}
function stringValue(value) {
  return typeof value === "string" ? value : "";
}
exitOnStopSignals((message) => process.stderr.write(`${message}
`));
process.exitCode = await main(process.argv.slice(2));
export {
  main
};
