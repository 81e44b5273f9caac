/**
 * `layergen import` for the CLI tests while compiler/cli.ts does not list it yet: the command
 * module wired into yargs as cli.ts wires its commands (usage errors exit 2).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { importCommand } from '../../compiler/cliImport.js';

await yargs(hideBin(process.argv))
  .scriptName('layergen')
  .command(importCommand)
  .demandCommand(1)
  .strict()
  .fail((msg, err) => {
    if (err && !msg) throw err;
    process.stderr.write(`layergen: ${msg ?? err?.message}\n`);
    process.exit(2);
  })
  .parseAsync();
