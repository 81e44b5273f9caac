/**
 * `layergen compile --watch`: compiles, then recompiles whenever the net.yaml or its weights file
 * changes. The directories holding them are watched (editors often save by writing a new file and
 * renaming it over the old one, which a watch on the file itself would lose); bursts of events are
 * debounced. Errors are printed and watching goes on; unchanged output files are left untouched.
 */
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse } from 'yaml';

/** The files a net is read from: itself and, when it names one, its weights file. */
export function netInputs(file: string): string[] {
  const out = [resolve(file)];
  try {
    const doc = parse(readFileSync(file, 'utf8')) as unknown;
    const w = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).weights : undefined;
    if (typeof w === 'string') out.push(resolve(dirname(file), w));
  } catch {
    // unreadable or invalid YAML: the compile reports it; the net file is still watched
  }
  return out;
}

export interface Watching {
  close(): void;
}

/**
 * Runs `build` now and after every change of the net's inputs (debounced by `debounceMs`); a
 * change during a build triggers one more build after it.
 */
export function watchNet(file: string, build: () => Promise<void>, opts: { debounceMs?: number; onWatch?: (files: readonly string[]) => void } = {}): Watching {
  const debounce = opts.debounceMs ?? 100;
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;
  let watched: string[] = [];

  const rewatch = (): void => {
    const files = netInputs(file);
    if (files.join('\n') === watched.join('\n') && watchers.length) return;
    watchers.forEach((w) => w.close());
    watched = files;
    const byDir = new Map<string, Set<string>>();
    for (const f of files) {
      const names = byDir.get(dirname(f)) ?? new Set<string>();
      names.add(basename(f));
      byDir.set(dirname(f), names);
    }
    watchers = [...byDir].map(([dir, names]) =>
      watch(dir, (_event, name) => {
        if (name === null || names.has(name.toString())) schedule();
      }),
    );
    opts.onWatch?.(files);
  };

  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    // watch before building, so a change made as soon as the build reports is not missed
    rewatch();
    try {
      await build();
    } finally {
      running = false;
    }
    if (closed) return;
    rewatch();
    if (again) {
      again = false;
      schedule();
    }
  };

  function schedule(): void {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), debounce);
  }

  void run();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watchers.forEach((w) => w.close());
    },
  };
}
