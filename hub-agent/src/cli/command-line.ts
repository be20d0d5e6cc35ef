// Turns what a technician typed into clear usage errors: one line saying what is wrong, a
// suggestion when it looks like a typo, and where to find the full usage (not all of it again).
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError, EXIT } from './output.js';
import { didYouMean } from './suggest.js';

const seeHelp = "Run 'hearth help' for every command and option.";

/** A usage error: the problem, the command's own usage line when given, and where the rest is. */
export function usageError(problem: string, usageLine?: string): CliError {
  return new CliError([problem, usageLine, seeHelp].filter(Boolean).join('\n'), EXIT.USAGE, 'USAGE');
}

/** The error for a command `hearth` does not have, suggesting the one it resembles. */
export function unknownCommand(command: string, commands: readonly string[]): CliError {
  const guess = didYouMean(command, commands);
  return usageError(`unknown command '${command}'.${guess ? ` Did you mean '${guess}'?` : ''}`);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` in strict mode with positionals, whose failures become usage errors a person can
 * act on instead of Node's parser messages (which talk about positional arguments and `--`).
 */
export function parseCommandLine<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw translateParseError(error, options);
  }
}

function translateParseError(error: unknown, options: Options): unknown {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const typed = /'([^']+)'/.exec(message)?.[1] ?? '';
    const name = typed.replace(/^-+/, '').split('=')[0]!;
    const guess = didYouMean(name, Object.keys(options));
    return usageError(`unknown option '${typed}'.${guess ? ` Did you mean '--${guess}'?` : ''}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /'(-[^' ]+)/.exec(message)?.[1] ?? 'an option';
    const takesValue = Object.entries(options).find(
      ([long, o]) => `--${long}` === name || `-${o.short}` === name,
    );
    return usageError(
      takesValue?.[1].type === 'boolean'
        ? `${name} takes no value`
        : `${name} needs a value, e.g. ${name} VALUE`,
    );
  }
  if (code?.startsWith('ERR_PARSE_ARGS')) return usageError(message.split('.')[0] ?? message);
  return error;
}
