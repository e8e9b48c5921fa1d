/**
 * Import progress on stderr: a bar redrawn in place on a terminal, plain lines (about every
 * tenth of the way) when the output is a file or a pipe, so logs stay readable.
 */
export interface Progress {
  update(done: number): void;
  finish(): void;
}

export function createProgress(options: {
  label: string;
  total: number | null;
  stream?: NodeJS.WriteStream;
  now?: () => number;
}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const tty = Boolean(stream.isTTY);
  const started = now();
  let lastDraw = -Infinity;
  let lastStep = -1;
  let current = 0;

  const line = (done: number) => {
    const seconds = (now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const total = options.total;
    if (total === null || total === 0) return `${options.label}: ${fmt(done)} messages, ${fmt(rate)}/s`;
    const share = Math.min(1, done / total);
    const width = 24;
    const filled = Math.round(share * width);
    const bar = tty ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
    return `${options.label}: ${bar}${Math.floor(share * 100)}% ${fmt(done)}/${fmt(total)} messages, ${fmt(rate)}/s`;
  };

  return {
    update(done) {
      current = done;
      if (tty) {
        if (now() - lastDraw < 100) return;
        lastDraw = now();
        stream.write(`\r${line(done)}\u001b[K`);
        return;
      }
      const step = options.total ? Math.floor((10 * done) / options.total) : Math.floor(done / 5000);
      if (step > lastStep) {
        lastStep = step;
        stream.write(line(done) + '\n');
      }
    },
    finish() {
      if (tty) stream.write(`\r${line(current)}\u001b[K\n`);
      else if (lastStep < (options.total ? 10 : Math.floor(current / 5000)) || current === 0) stream.write(line(current) + '\n');
    },
  };
}

function fmt(value: number): string {
  return value.toLocaleString('en-US');
}
