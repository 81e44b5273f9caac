/** The command line: yargs wiring only; the work is done by the library. */
import { basename, dirname } from 'node:path';
import { DEFAULT_LIMITS, setLimits } from './limits.js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ALL_TARGETS, TARGETS, type Target } from './backends/index.js';
import { checkTable } from './check.js';
import { layerList } from './layerTable.js';
import { LayergenError } from './errors.js';
import { reportError, setErrorFormat } from './diagnostics.js';
import { closest } from './suggest.js';
import { watchNet } from './watch.js';
import { renderGraph } from './graph.js';
import { comment, evalNumeric, evalSymbolic, jacobianOutputs, jsonOutputs, parseInputArgs, printOutputs, type Format } from './evaluate.js';
import { prune, type Expr } from '@layergen/runtime';
import { loadNet } from './frontend/index.js';
import { compile, explain, writeFiles } from './index.js';
import { progressBar } from './progress.js';
import { optimize } from './passes/pipeline.js';
import { gpujsInstalled, verify, verifyTable, type Backend } from './verify.js';
import { importCommand } from './cliImport.js';
import { WEIGHTS_MODES, type WeightsMode } from './backends/numeric/weights.js';

/** User errors: message on stderr, exit 1, no stack trace. */
function fail(e: unknown): never {
  if (e instanceof LayergenError) {
    reportError(e);
    process.exit(1);
  }
  throw e;
}

async function run(argv: string[]): Promise<void> {
  const cli = yargs(argv);
  await cli
    .scriptName('layergen')
    .usage('$0 <command> NET [options]')
    // Resource guards (compiler/limits.ts), for every command that loads a net.
    .option('max-params', { type: 'number', global: true, describe: `refuse nets with more parameters (default ${DEFAULT_LIMITS.maxParams.toLocaleString('en-US')})` })
    .option('max-elements', { type: 'number', global: true, describe: `refuse layers with more elements per example (default ${DEFAULT_LIMITS.maxElements.toLocaleString('en-US')})` })
    .option('max-steps', { type: 'number', global: true, describe: `refuse recurrent layers over more time steps (default ${DEFAULT_LIMITS.maxSteps.toLocaleString('en-US')})` })
    .option('max-symbolic-nodes', {
      type: 'number',
      global: true,
      describe: `refuse symbolic evaluations building more expression operations (default ${DEFAULT_LIMITS.maxSymbolicNodes.toLocaleString('en-US')})`,
    })
    .option('error-format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      global: true,
      describe: 'how errors are printed: text with code frames, or JSON diagnostics ({"diagnostics": [{file, line, column, layer, message}]}) for tools',
    })
    .middleware((a) => {
      setErrorFormat(a['error-format']);
      const given: Record<string, number> = {};
      for (const [flag, key] of [['max-params', 'maxParams'], ['max-elements', 'maxElements'], ['max-steps', 'maxSteps'], ['max-symbolic-nodes', 'maxSymbolicNodes']] as const) {
        const v = a[flag] as number | undefined;
        if (v === undefined) continue;
        if (!Number.isFinite(v) || v < 1) fail(new LayergenError(`--${flag}: expected a positive number, got ${String(a[flag])}`));
        given[key] = v;
      }
      setLimits(given);
    })
    .command(
      'compile <net>',
      'compile a net to numeric, gpu and symbolic TypeScript modules',
      (y) =>
        y
          .positional('net', { type: 'string', demandOption: true, describe: 'the net.yaml file' })
          .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output directory' })
          .option('target', {
            type: 'string',
            default: TARGETS.join(','),
            describe: `comma-separated targets: ${ALL_TARGETS.join(', ')} (jacobian: outputs and their Jacobian, float64)`,
            coerce: (s: string) => {
              const ts = s.split(',').map((t) => t.trim()).filter(Boolean);
              const bad = ts.filter((t) => !(ALL_TARGETS as string[]).includes(t));
              if (bad.length || ts.length === 0) throw new Error(`--target: unknown target(s) ${bad.join(', ')} (known: ${ALL_TARGETS.join(', ')})`);
              return ts as Target[];
            },
          })
          .option('lang', { choices: ['ts', 'js'] as const, default: 'ts' as const, describe: 'emit TypeScript, or ESM JavaScript + .d.ts' })
          .option('precision', { choices: ['float64', 'float32'] as const, default: 'float64' as const, describe: 'numeric precision' })
          .option('weights', {
            choices: WEIGHTS_MODES,
            default: 'auto' as WeightsMode,
            describe: 'numeric: large weights in NAME.weights.bin beside the module (auto: when large; file: always) or embedded as base64 (embed)',
          })
          .option('embed-weights', { type: 'boolean', default: false, describe: 'same as --weights embed' })
          .option('dump-after', { type: 'string', describe: 'print the IR after these passes (comma-separated, or all)' })
          .option('watch', { alias: 'w', type: 'boolean', default: false, describe: 'recompile when the net or its weights file changes (errors are shown, watching goes on)' })
          .example('$0 compile net.yaml --out src/generated', 'numeric, gpu and symbolic TypeScript modules')
          .example('$0 compile net.yaml -o gen --target numeric --precision float32', 'one float32 numeric module')
          .example('$0 compile net.yaml -o gen --watch', 'recompile on every change of net.yaml or its weights'),
      async (a) => {
        const build = async (): Promise<void> => {
          const bar = a.watch ? undefined : progressBar();
          let files;
          try {
            if (a['dump-after']) process.stdout.write(explain(a.net, a['dump-after'].split(',').map((p) => p.trim())) + '\n\n');
            files = await compile(a.net, {
              targets: a.target as unknown as Target[],
              lang: a.lang,
              precision: a.precision,
              weights: a['embed-weights'] ? 'embed' : a.weights,
              ...(bar ? { onProgress: bar.update } : {}),
            });
          } finally {
            bar?.end();
          }
          const written = writeFiles(a.out, files);
          for (const f of written) process.stdout.write(`${f.changed ? 'wrote' : 'unchanged'} ${f.path}\n`);
        };
        if (!a.watch) {
          try {
            await build();
          } catch (e) {
            fail(e);
          }
          return;
        }
        // --watch: errors are shown and watching goes on, until interrupted.
        watchNet(
          a.net,
          async () => {
            try {
              await build();
              process.stdout.write(`layergen: compiled ${a.net}; watching for changes\n`);
            } catch (e) {
              if (!(e instanceof LayergenError)) throw e;
              reportError(e);
              process.stdout.write(`layergen: errors in ${a.net}; watching for changes\n`);
            }
          },
        );
        await new Promise<never>(() => {});
      },
    )
    .command(
      'explain <net>',
      'print the IR after each optimisation pass: nodes, ops, inputs, shapes, parameters',
      (y) =>
        y
          .positional('net', { type: 'string', demandOption: true, describe: 'the net.yaml file' })
          .option('after', { type: 'string', describe: 'only after these passes (comma-separated)' }),
      (a) => {
        try {
          process.stdout.write(explain(a.net, a.after?.split(',').map((p) => p.trim())) + '\n');
        } catch (e) {
          fail(e);
        }
      },
    )
    .command(
      'eval <net>',
      'evaluate a net on numbers or symbols, without writing files',
      (y) =>
        y
          .positional('net', { type: 'string', demandOption: true, describe: 'the net.yaml file' })
          .option('input', {
            alias: 'i',
            type: 'string',
            array: true,
            default: [] as string[],
            describe: 'NAME=v1,v2,... (row-major); with --symbolic values may be symbol names; NAME=s* means s1,s2,...',
          })
          .option('symbolic', { alias: 's', type: 'boolean', default: false, describe: 'evaluate on symbols' })
          .option('format', {
            alias: 'f',
            choices: ['text', 'sympy', 'mathematica', 'latex', 'js'] as const,
            default: 'text' as const,
            describe: 'output syntax',
          })
          .option('symbolic-params', {
            type: 'string',
            describe: 'with --symbolic: parameters as symbols (fc_weight_0_1, fc_bias_0); alone for every layer, or a comma-separated list of layers',
          })
          .option('exact', { type: 'boolean', default: false, describe: 'with --symbolic: every number as the exact rational value of its float' })
          .option('prune', { type: 'number', describe: 'with --symbolic: drop sum terms whose coefficient is below EPS in magnitude (opt-in)' })
          .option('inline-max', { type: 'number', describe: 'shared subexpressions up to this printed size are inlined; larger ones become named definitions' })
          .option('jacobian', { type: 'boolean', default: false, describe: 'with --symbolic: print d(outputs)/d(input symbols), row-major per output' })
          .option('json', { type: 'boolean', default: false, describe: 'print {output: [values]} as JSON' })
          .option('out', { type: 'string', describe: 'write the result to FILE instead of stdout' })
          .example('$0 eval net.yaml --input x=1,2,3', 'the outputs at one point, in float64')
          .example('$0 eval net.yaml --symbolic --input x=s* --format sympy', 'the outputs as SymPy expressions of s1, s2, ...')
          .example('$0 eval net.yaml -s --input x=s* --jacobian', 'd(outputs)/d(inputs), symbolically'),
      (a) => {
        try {
          // symbolic evaluation keeps each layer's own parameters (no folding), for symbolic parameters
          const graph = optimize(loadNet(a.net).graph, { keepParams: a.symbolic });
          const inputs = parseInputArgs(graph, a.input, a.symbolic);
          const sp = a['symbolic-params'];
          for (const [flag, given] of [['--symbolic-params', sp !== undefined], ['--exact', a.exact], ['--prune', a.prune !== undefined], ['--jacobian', a.jacobian]] as const) {
            if (given && !a.symbolic) throw new LayergenError(`${flag} needs --symbolic`);
          }
          if (a.prune !== undefined && !(a.prune >= 0)) throw new LayergenError(`--prune: expected a non-negative number, got ${a.prune}`);
          const symbolicParams = sp === undefined ? false : sp === '' ? true : sp.split(',').map((l) => l.trim());
          let outs: Record<string, readonly (Expr | number)[]>;
          let header = '';
          if (a.symbolic) {
            let sym = evalSymbolic(graph, inputs, { symbolicParams, exact: a.exact });
            if (a.prune !== undefined) sym = Object.fromEntries(Object.entries(sym).map(([k, v]) => [k, prune(v, a.prune!)]));
            if (a.jacobian) {
              const symbols = Object.values(inputs).flat().filter((v): v is string => typeof v === 'string');
              if (symbols.length === 0) throw new LayergenError('--jacobian: give some inputs as symbols (e.g. --input x=s*)');
              const wrt = [...new Set(symbols)];
              header = Object.entries(sym).map(([k, v]) => comment(a.format as Format, `d ${k} / d (${wrt.join(', ')}): ${v.length} x ${wrt.length}, row-major`)).join('\n') + '\n';
              sym = jacobianOutputs(sym, wrt);
            }
            outs = sym;
          } else outs = evalNumeric(graph, inputs);
          const po = a['inline-max'] === undefined ? {} : { inlineMax: a['inline-max'] };
          const text = a.json ? jsonOutputs(outs, a.format as Format) + '\n' : header + printOutputs(outs, a.format as Format, po) + '\n';
          if (a.out) writeFiles(dirname(a.out), [{ path: basename(a.out), text }]);
          else process.stdout.write(text);
        } catch (e) {
          fail(e);
        }
      },
    )
    .command(
      'layers [types..]',
      'list the layer types with their keys, defaults and meanings (or only the named types)',
      (y) => y.positional('types', { type: 'string', array: true, describe: 'layer types to show (default: all)' }),
      (a) => {
        try {
          process.stdout.write(layerList((a.types as string[] | undefined) ?? []) + '\n');
        } catch (e) {
          fail(e);
        }
      },
    )
    .command(
      'graph <net>',
      'draw the net: layers with type, output shape and parameters, an edge for every input',
      (y) =>
        y
          .positional('net', { type: 'string', demandOption: true, describe: 'the net.yaml file' })
          .option('format', { alias: 'f', choices: ['svg', 'dot', 'mermaid'] as const, default: 'svg' as const, describe: 'SVG (laid out by Graphviz), Graphviz DOT or a Mermaid flowchart' })
          .option('out', { alias: 'o', type: 'string', describe: 'write to FILE instead of stdout' })
          .example('$0 graph net.yaml --out net.svg', 'an SVG picture of the net')
          .example('$0 graph net.yaml -f mermaid', 'a Mermaid flowchart for a README'),
      async (a) => {
        try {
          const text = await renderGraph(loadNet(a.net).graph, a.format);
          if (a.out) writeFiles(dirname(a.out), [{ path: basename(a.out), text }]);
          else process.stdout.write(text);
        } catch (e) {
          fail(e);
        }
      },
    )
    .command(
      'check <net>',
      'validate a net and print its layers, shapes and parameter counts',
      (y) => y.positional('net', { type: 'string', demandOption: true, describe: 'the net.yaml file' }),
      (a) => {
        try {
          process.stdout.write(checkTable(loadNet(a.net).graph) + '\n');
        } catch (e) {
          fail(e);
        }
      },
    )
    .command(
      'verify <net>',
      'evaluate numeric float64 and float32, gpu and symbolic at random points and report the largest disagreements',
      (y) =>
        y
          .positional('net', { type: 'string', demandOption: true, describe: 'the net.yaml file' })
          .option('points', { type: 'number', default: 8, describe: 'random input points' })
          .option('seed', { type: 'number', default: 1, describe: 'seed of the random points' })
          .option('skip', { type: 'string', describe: 'comma-separated backends to skip: float32, gpu, symbolic' })
          .example('$0 verify net.yaml --skip gpu', 'numeric float32 and symbolic against float64 at 8 random points'),
      async (a) => {
        try {
          const skip = (a.skip ?? '').split(',').map((s) => s.trim()).filter(Boolean);
          const bad = skip.filter((s) => !['float32', 'gpu', 'symbolic'].includes(s));
          if (bad.length) throw new LayergenError(`--skip: unknown backend ${bad.join(', ')} (float32, gpu, symbolic)`);
          if (!skip.includes('gpu') && !gpujsInstalled()) {
            process.stderr.write('layergen: gpu skipped: gpu.js is not installed (npm install gpu.js)\n');
            skip.push('gpu');
          }
          const rows = await verify(optimize(loadNet(a.net).graph), { points: a.points, seed: a.seed, skip: skip as Backend[] });
          process.stdout.write(verifyTable(rows) + '\n');
          const failed = rows.filter((r) => !r.ok);
          if (failed.length) {
            process.stderr.write(`layergen: ${failed.length} output/backend pair(s) beyond tolerance\n`);
            process.exit(1);
          }
          process.exit(0);
        } catch (e) {
          fail(e);
        }
      },
    )
    .command(importCommand)
    .demandCommand(1, 'give a command: compile, explain, eval, check, graph, verify, layers or import')
    .strict()
    .recommendCommands()
    // wrapped to a terminal's width; not wrapped at all when piped (no words broken for tools)
    .wrap(process.stdout.isTTY ? Math.min(120, cli.terminalWidth()) : null)
    .help()
    .fail((msg, err) => {
      if (err && !msg) throw err;
      process.stderr.write(`layergen: ${msg ?? err?.message}${optionHint(msg, cli as unknown as OptionsOf)}\nRun "layergen --help" for usage.\n`);
      process.exit(2);
    })
    .parseAsync();
}

/** For "Unknown argument(s): --tagret", a did-you-mean among the known options. */
interface OptionsOf {
  getOptions(): { key: Record<string, unknown> };
}

function optionHint(msg: string | undefined, y: OptionsOf): string {
  const m = /^Unknown arguments?: (.+)$/.exec(msg ?? '');
  if (!m) return '';
  const known = Object.keys(y.getOptions().key).filter((k) => k.length > 1 && k !== '$0');
  const hints = m[1]!
    .split(', ')
    .map((a) => [a, closest(a.replace(/^-+/, ''), known)] as const)
    .filter(([, c]) => c !== undefined);
  if (hints.length === 1) return ` (did you mean --${hints[0]![1]}?)`;
  return hints.length ? ` (did you mean: ${hints.map(([a, c]) => `${a} -> --${c}`).join(', ')}?)` : '';
}

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

run(hideBin(process.argv)).catch((e: unknown) => {
  if (e instanceof LayergenError) fail(e);
  process.stderr.write(`layergen: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(70);
});
