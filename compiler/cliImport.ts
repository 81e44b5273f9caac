/**
 * `layergen import MODEL.onnx|MODEL.h5|MODEL.keras --out DIR [--name NAME] [--check]`: yargs wiring
 * only; the work is done by frontend/onnx, or frontend/keras for .h5 / .keras files. Writes DIR/NAME.yaml and DIR/NAME.safetensors atomically (nothing is
 * written on error); --check prints the layer table, or the problems, and writes nothing.
 * The importers (and their heavy libraries, onnx-proto and h5wasm) are loaded only when an import runs.
 */
import type { CommandModule } from 'yargs';
import { checkTable } from './check.js';
import { reportError } from './diagnostics.js';
import { LayergenError } from './errors.js';
import { writeFiles, type EmittedFile } from './index.js';
import type { Graph } from './ir/graph.js';
import type { ShapeSpec, Specialisation } from './frontend/onnx/specialise.js';

interface ImportArgs {
  readonly model: string;
  readonly out?: string;
  readonly name?: string;
  readonly check: boolean;
  readonly shape?: readonly string[];
  readonly const?: readonly string[];
}

/** The --shape / --const lists as a specialisation (each name once). */
async function specOf(a: ImportArgs): Promise<Specialisation> {
  const { parseShapeArg, parseConstArg } = await import('./frontend/onnx/index.js');
  const shapes: Record<string, ShapeSpec> = Object.create(null);
  const consts: Record<string, readonly number[]> = Object.create(null);
  for (const s of a.shape ?? []) {
    const [name, dims] = parseShapeArg(String(s));
    if (name in shapes) throw new LayergenError(`--shape ${name} is given twice`);
    shapes[name] = dims;
  }
  for (const c of a.const ?? []) {
    const [name, vals] = parseConstArg(String(c));
    if (name in consts) throw new LayergenError(`--const ${name} is given twice`);
    consts[name] = vals;
  }
  return { shapes, consts };
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import <model>',
  describe: 'import an ONNX model (e.g. from torch.onnx.export) or a Keras model (.h5, .keras) as NAME.yaml + NAME.safetensors',
  builder: (y) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'the .onnx, .h5 or .keras file' })
      .option('out', { alias: 'o', type: 'string', describe: 'output directory (required unless --check)' })
      .option('name', { type: 'string', describe: "the net's name (default: the model file's base name as an identifier)" })
      .option('check', { type: 'boolean', default: false, describe: 'list the layers that would be imported, or the problems; write nothing' })
      .option('shape', {
        type: 'string',
        array: true,
        describe: 'ONNX: fix an input\'s shape, NAME=D1,D2,... with N for the batch axis (any axis: h=2,N,64); without N the batch is fixed (input=1,512)',
      })
      .option('const', { type: 'string', array: true, describe: 'ONNX: fix an input to a value and drop it from the inputs, NAME=VALUE or NAME=V1,V2,... (sr=16000)' })
      .example('$0 import model.onnx --out nets', 'nets/model.yaml + nets/model.safetensors')
      .example('$0 import model.onnx --check --shape x=N,3', 'the layers it would import, with the other dimensions fixed')
      .example('$0 import model.keras --out nets --name classifier', 'a Keras 3 archive (or legacy .h5)')
      .check((a) => {
        if (!a.check && !a.out) throw new Error('--out DIR is required (or --check)');
        return true;
      }) as never,
  handler: async (a) => {
    try {
      const onnx = () => import('./frontend/onnx/index.js');
      const spec = a.shape?.length || a.const?.length ? await specOf(a) : {};
      const opts = { ...(a.name !== undefined ? { name: a.name } : {}), ...spec };
      let r: { name: string; yaml: string; weights: Uint8Array; weightsFile: string; graph: Graph };
      let about: string;
      const keras = await import('./frontend/keras/index.js');
      if (keras.kerasFormat(a.model)) {
        if (a.shape?.length || a.const?.length) throw new LayergenError('--shape and --const apply to ONNX models; a Keras model has its shapes in its config', { file: a.model });
        const k = await keras.importKerasFile(a.model, opts);
        r = k;
        const m = k.keras;
        about = `Keras${m.kerasVersion ? ` ${m.kerasVersion}` : ''} ${m.className} (${m.format === 'h5' ? 'legacy .h5' : '.keras'}), ${m.layers} layers`;
      } else {
        const o = (await onnx()).importOnnxFile(a.model, opts);
        r = o;
        about = `ONNX opset ${o.model.opset}${o.model.producer ? ` (${o.model.producer})` : ''}, ${o.model.nodes.length} nodes`;
      }
      if (a.check) {
        process.stdout.write(`${a.model}: ${about}\n\n${checkTable(r.graph)}\n`);
        return;
      }
      const files: EmittedFile[] = [
        { path: `${r.name}.yaml`, text: r.yaml },
        // writeFiles passes `text` to fs.writeFileSync, which writes a Uint8Array's bytes as they are.
        { path: r.weightsFile, text: r.weights as unknown as string },
      ];
      for (const f of writeFiles(a.out!, files)) process.stdout.write(`${f.changed ? 'wrote' : 'unchanged'} ${f.path}\n`);
    } catch (e) {
      if (e instanceof LayergenError) {
        reportError(e);
        process.exit(1);
      }
      throw e;
    }
  },
};
