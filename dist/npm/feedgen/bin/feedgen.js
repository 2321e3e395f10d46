#!/usr/bin/env node
'use strict';
// `npx feedgen ...` runs the native binary as if it were called directly:
// same arguments, inherited stdin/stdout/stderr, its exit code, and signals
// passed on (a signal that kills the binary kills this process the same way).

const { spawn } = require('node:child_process');
const { constants } = require('node:os');
const { findBinary } = require('../lib/binary.js');

let binary;
try {
  binary = findBinary();
} catch (err) {
  process.stderr.write(`feedgen: ${err.message}\n`);
  process.exit(1);
}

// Run through npx or an npm script, the user's command is `npx feedgen`, not
// a bare `feedgen` (not on PATH): feedgen init says so in its next steps.
const env = { ...process.env };
if (!env.FEEDGEN_INVOKED_AS && (env.npm_command === 'exec' || env.npm_command === 'run-script')) {
  env.FEEDGEN_INVOKED_AS = 'npx feedgen';
}
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit', env });

// A terminal's Ctrl-C reaches both processes; feedgen ignores the repeat. A
// signal sent to this process alone (kill, a CI runner's cancel) is passed on.
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGBREAK'].filter((s) => s in constants.signals);
const forward = (signal) => {
  try {
    child.kill(signal);
  } catch {
    // The child has already gone; its exit handler ends this process.
  }
};
for (const signal of FORWARDED) process.on(signal, forward);

child.on('error', (err) => {
  process.stderr.write(`feedgen: could not start ${binary}: ${err.message}\n`);
  process.exit(1);
});

child.on('exit', (code, signal) => {
  if (signal) {
    // Die of the same signal so the caller sees what the binary saw.
    for (const s of FORWARDED) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    // Signals that cannot kill this process (Windows) end it with the shell's code.
    process.exit(128 + (constants.signals[signal] || 0));
  }
  process.exit(code === null ? 1 : code);
});
