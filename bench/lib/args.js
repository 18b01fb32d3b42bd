// Command lines of the bench scripts: Node's util.parseArgs (strict, so an unknown option or a
// missing value is an error), then checked integers and comma-separated integer lists. Any
// error prints the script's usage and exits with status 2; --help / -h prints it and exits 0.
'use strict';

const util = require('util');

/** fail(message) for a script: "<name>: message", the usage, exit status 2. */
function makeFail(name, usage) {
  return (message) => {
    console.error(`${name}: ${message}\n${usage}`);
    process.exit(2);
  };
}

/**
 * Parses argv against `options` (util.parseArgs form, keyed by long name without dashes).
 * Returns { values, int(name, lo), ints(name, lo) }: int and ints read an option as an integer
 * (or a list of them) >= lo, undefined when it was not given.
 */
function parseBenchArgs(argv, options, usage, fail) {
  let values;
  try {
    ({ values } = util.parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    fail(e.message);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const integer = (name, text, lo) => {
    const x = Number(text);
    if (text.trim() === '' || !Number.isInteger(x) || x < lo) fail(`--${name}: expected an integer >= ${lo}, got ${text}`);
    return x;
  };
  const int = (name, lo) => (values[name] === undefined ? undefined : integer(name, values[name], lo));
  const ints = (name, lo) =>
    values[name] === undefined ? undefined : values[name].split(',').map((s) => integer(name, s.trim(), lo));
  return { values, int, ints };
}

module.exports = { makeFail, parseBenchArgs };
