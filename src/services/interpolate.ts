import { InputError } from '../core/errors.js';
import type { Environment } from '../core/model.js';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const BRACED_EXPRESSION = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/;

/**
 * Compose's variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?message}`, `${VAR?message}`, `${VAR:+replacement}`, `${VAR+replacement}` and `$$` for
 * a literal `$`. An unset variable is an empty string, as in compose. `key` names the value in
 * errors.
 */
export function interpolate(
  text: string,
  environment: Environment,
  file: string,
  key: string,
): string {
  const invalid = (problem: string): InputError =>
    new InputError(file, key, text, `invalid interpolation: ${problem}`);
  let result = '';
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar === -1) {
      result += text.slice(index);
      break;
    }
    result += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      result += '$';
      index = dollar + 2;
    } else if (next === '{') {
      const close = matchingBrace(text, dollar + 1);
      if (close === -1) throw invalid('`${` without its closing `}`; write `$$` for a literal `$`');
      result += expandBraced(text.slice(dollar + 2, close), environment, invalid, (operand) =>
        interpolate(operand, environment, file, key),
      );
      index = close + 1;
    } else {
      const name = VARIABLE_NAME.exec(text.slice(dollar + 1))?.[0];
      if (name === undefined)
        throw invalid('`$` must start a variable; write `$$` for a literal `$`');
      result += environmentValue(environment, name) ?? '';
      index = dollar + 1 + name.length;
    }
  }
  return result;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index += 1) {
    if (text[index] === '{') depth += 1;
    if (text[index] === '}') depth -= 1;
    if (depth === 0) return index;
  }
  return -1;
}

function expandBraced(
  expression: string,
  environment: Environment,
  invalid: (problem: string) => InputError,
  expandOperand: (operand: string) => string,
): string {
  const match = BRACED_EXPRESSION.exec(expression);
  if (!match) throw invalid(`\`\${${expression}}\` is not a variable reference`);
  const [, name = '', operator, operand = ''] = match;
  const value = environmentValue(environment, name);
  const isSet = value !== undefined;
  const isSetAndNotEmpty = isSet && value !== '';
  switch (operator) {
    case undefined:
      return value ?? '';
    case ':-':
      return isSetAndNotEmpty ? value : expandOperand(operand);
    case '-':
      return isSet ? value : expandOperand(operand);
    case ':+':
      return isSetAndNotEmpty ? expandOperand(operand) : '';
    case '+':
      return isSet ? expandOperand(operand) : '';
    case ':?':
    case '?':
      if (operator === ':?' ? isSetAndNotEmpty : isSet) return value ?? '';
      throw invalid(
        `${name} is required: ${operand === '' ? 'it is not set' : expandOperand(operand)}`,
      );
    default:
      throw invalid(`unknown operator ${operator}`);
  }
}

/** A variable's value; names like `constructor` find nothing inherited. */
export function environmentValue(environment: Environment, name: string): string | undefined {
  return Object.hasOwn(environment, name) ? environment[name] : undefined;
}
