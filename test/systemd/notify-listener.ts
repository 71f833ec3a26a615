import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** One datagram as systemd would read it: `READY=1\nSTATUS=...` split into its assignments. */
export interface NotifyMessage {
  lines: string[];
  /** Index in arrival order. */
  seq: number;
}

/**
 * Plays systemd's side of NOTIFY_SOCKET: a unix datagram socket that records every message. Node has no
 * unix datagram sockets, so a small python3 program binds it and prints each datagram as a JSON line.
 * Reading a datagram without room for ancillary data drops the fd that systemd-notify's barrier passes,
 * which is what tells the tool its message was taken, as systemd does.
 */
export class NotifyListener {
  readonly messages: NotifyMessage[] = [];
  private constructor(
    readonly socketPath: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(dir: string): Promise<NotifyListener> {
    const socketPath = join(dir, 'notify.sock');
    const program = [
      'import json, socket, sys',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
      's.bind(sys.argv[1])',
      "print('listening', flush=True)",
      'while True:',
      "    print(json.dumps(s.recv(65536).decode('utf-8', 'replace')), flush=True)",
    ].join('\n');
    const child = spawn('python3', ['-c', program, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    const listener = new NotifyListener(socketPath, child);
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the notify listener exited with ${code} before it listened`)));
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (line === 'listening') return resolve();
        const text = JSON.parse(line) as string;
        listener.messages.push({ lines: text.split('\n').filter(Boolean), seq: listener.messages.length });
      });
    });
    return listener;
  }

  /** Messages holding `assignment` (e.g. `WATCHDOG=1`), or one starting with it when it ends in `*`. */
  having(assignment: string, after = -1): NotifyMessage[] {
    const match = assignment.endsWith('*') ? (line: string) => line.startsWith(assignment.slice(0, -1)) : (line: string) => line === assignment;
    return this.messages.filter((m) => m.seq > after && m.lines.some(match));
  }

  /** Waits for the first message holding `assignment` after message `after`; the deadline is a safety net. */
  async next(assignment: string, after = -1, deadlineMs = 30_000): Promise<NotifyMessage> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const found = this.having(assignment, after)[0];
      if (found) return found;
      if (Date.now() > end) {
        throw new Error(`no ${assignment} after message ${after}; got ${JSON.stringify(this.messages.map((m) => m.lines))}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The value of `KEY=` in a message. */
  static value(message: NotifyMessage, key: string): string | undefined {
    return message.lines.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
  }

  close(): void {
    this.child.kill();
  }
}
