/**
 * `layergen import MODEL.onnx --out DIR [--name NAME] [--check]`: yargs wiring only; the work is
 * done by frontend/onnx. Writes DIR/NAME.yaml and DIR/NAME.safetensors atomically (nothing is
 * written on error); --check prints the layer table, or the problems, and writes nothing.
 */
import type { CommandModule } from 'yargs';
import { checkTable } from './check.js';
import { LayergenError } from './errors.js';
import { importOnnxFile } from './frontend/onnx/index.js';
import { writeFiles, type EmittedFile } from './index.js';

interface ImportArgs {
  readonly model: string;
  readonly out?: string;
  readonly name?: string;
  readonly check: boolean;
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import <model>',
  describe: 'import an ONNX model (e.g. from torch.onnx.export) as NAME.yaml + NAME.safetensors',
  builder: (y) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'the .onnx file' })
      .option('out', { alias: 'o', type: 'string', describe: 'output directory (required unless --check)' })
      .option('name', { type: 'string', describe: "the net's name (default: the model file's base name as an identifier)" })
      .option('check', { type: 'boolean', default: false, describe: 'list the layers that would be imported, or the problems; write nothing' })
      .check((a) => {
        if (!a.check && !a.out) throw new Error('--out DIR is required (or --check)');
        return true;
      }) as never,
  handler: (a) => {
    try {
      const r = importOnnxFile(a.model, a.name !== undefined ? { name: a.name } : {});
      if (a.check) {
        process.stdout.write(`${a.model}: ONNX opset ${r.model.opset}${r.model.producer ? ` (${r.model.producer})` : ''}, ${r.model.nodes.length} nodes\n\n${checkTable(r.graph)}\n`);
        return;
      }
      const files: EmittedFile[] = [
        { path: `${r.name}.yaml`, text: r.yaml },
        // writeFiles passes `text` to fs.writeFileSync, which writes a Uint8Array's bytes as they are.
        { path: r.weightsFile, text: r.weights as unknown as string },
      ];
      for (const f of writeFiles(a.out!, files)) process.stdout.write(`wrote ${f}\n`);
    } catch (e) {
      if (e instanceof LayergenError) {
        process.stderr.write(`layergen: ${e.message}\n`);
        process.exit(1);
      }
      throw e;
    }
  },
};
