// Child processes of the bench scripts that report one JSON object on stdout.
'use strict';

const { spawnSync } = require('child_process');

/**
 * Runs `node script ...args` in `cwd` (default: this process's) and returns { json } with what it
 * printed on stdout, or { error } with why it failed and the last line of its stderr.
 */
function spawnJson(script, args, cwd) {
  const r = spawnSync(process.execPath, [script, ...args.map(String)], { encoding: 'utf8', cwd, maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    const reason = r.error ? r.error.message : `exit status ${r.status}`;
    return { error: `failed (${reason}); its last line: ${(r.stderr || '').trim().split('\n').pop() || '-'}` };
  }
  return { json: JSON.parse(r.stdout) };
}

/** spawnJson's JSON; a child that fails ends the bench through fail(), naming `what`. */
function childJson(script, args, cwd, fail, what) {
  const r = spawnJson(script, args, cwd);
  if (r.error) fail(`child (${what}) ${r.error}`);
  return r.json;
}

module.exports = { spawnJson, childJson };
