/**
 * A real pseudo-terminal pair from socat, and serialport streams opened on it with the platform binding:
 * what a USB serial port is to the host, minus the modem lines (their ioctl fails with ENOTTY).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';

export interface PtyPair {
  a: string;
  b: string;
  stop(): Promise<void>;
}

export async function startPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'esp32cam-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 500 && !(existsSync(a) && existsSync(b)); i++) {
    if (child.exitCode !== null) throw new Error(`socat exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!existsSync(a) || !existsSync(b)) {
    child.kill();
    throw new Error('socat did not create the pty links');
  }
  return {
    a,
    b,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openStream(path: string, baudRate = 115200): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding: autoDetect(), path, baudRate, autoOpen: false, hupcl: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  // As openSerialPort does: a write that an unplug cuts short reaches its writer as a rejected write; the
  // stream's own 'error' event would otherwise end the test process.
  port.on('error', () => undefined);
  return port;
}

export async function closeStream(port: SerialPortStream): Promise<void> {
  if (!port.isOpen) return;
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

/** Collects what a stream receives until `n` bytes have arrived. */
export function receive(port: SerialPortStream, n: number, timeoutMs = 10_000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      port.off('data', onData);
      reject(new Error(`received ${got} of ${n} bytes`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= n) {
        clearTimeout(timer);
        port.off('data', onData);
        resolve(new Uint8Array(Buffer.concat(chunks)));
      }
    };
    port.on('data', onData);
  });
}

/** Reads from a web ReadableStream until `n` bytes have arrived. */
export async function readWeb(reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended after ${got} of ${n} bytes`);
    out.set(value.subarray(0, n - got), got);
    got += value.length;
  }
  return out;
}
