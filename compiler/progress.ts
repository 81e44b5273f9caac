/** A progress bar for long compiles: on stderr, only when it is a terminal, only after a delay. */

export interface Progress {
  update(stage: string, done: number, total: number): void;
  end(): void;
}

export function progressBar(stream: NodeJS.WriteStream = process.stderr, delayMs = 1000): Progress {
  const start = Date.now();
  let drawn = false;
  const width = 24;
  return {
    update(stage, done, total) {
      if (!stream.isTTY || Date.now() - start < delayMs) return;
      const filled = Math.round((width * done) / Math.max(1, total));
      stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${stage}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
