import { SingleBar } from 'cli-progress';
import type { PushItemProgress, PushScriptResult, PushSummary } from '../services/script-push.js';
import { formatBytes } from './format.js';

/** Push progress: a bar per file while it is written, on a terminal; one line per file otherwise. */
export class PushView {
  private bar: SingleBar | undefined;

  constructor(
    private readonly progressStream: NodeJS.WriteStream = process.stderr,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  progress(p: PushItemProgress): void {
    if (!this.progressStream.isTTY) return;
    if (p.phase === 'write' || p.phase === 'verify' || p.phase === 'rename') {
      const payload = { file: p.sourceName, phase: p.phase, size: formatBytes(p.total) };
      if (!this.bar) {
        this.bar = new SingleBar({
          stream: this.progressStream,
          format: '{file} |{bar}| {percentage}% of {size} ({phase})',
          barCompleteChar: '#',
          barIncompleteChar: '-',
          hideCursor: true,
          clearOnComplete: true,
        });
        this.bar.start(Math.max(1, p.total), p.sent, payload);
      } else this.bar.update(p.sent, payload);
    } else if (p.phase === 'done' || p.phase === 'skipped') this.stopBar();
  }

  file(r: PushScriptResult): void {
    this.stopBar();
    const line = r.skipped
      ? `${r.sourceName} → ${r.path}: skipped (unchanged)`
      : `${r.sourceName} → ${r.path}: ${formatBytes(r.bytes)}, ${formatBytes(r.wireBytes)} on the wire${r.encoding === 'deflate' ? ' (deflated)' : ''}, ${r.seconds.toFixed(1)} s, verified by ${r.verifiedBy === 'sha256' ? 'SHA-256' : 'reading it back'}`;
    this.out.write(`${line}\n`);
  }

  summary(s: PushSummary): void {
    const ratio = s.ratio === undefined ? '' : ` (${s.ratio.toFixed(2)}x the bytes sent)`;
    const skipped = s.skipped > 0 ? `, ${s.skipped} skipped (unchanged)` : '';
    this.out.write(
      `pushed ${s.pushed} of ${s.files} file${s.files === 1 ? '' : 's'}${skipped}: ${formatBytes(s.bytes)}, ${formatBytes(s.wireBytes)} on the wire${ratio}, ${s.seconds.toFixed(1)} s\n`,
    );
  }

  stopBar(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
