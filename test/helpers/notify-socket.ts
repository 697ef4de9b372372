/**
 * A NOTIFY_SOCKET receiver standing in for systemd (no systemd runs in this container):
 * a unix datagram socket read with recvmsg, closing any passed file descriptor the way
 * systemd does, so `systemd-notify`'s barrier completes. Node has no unix datagram
 * socket, so Debian's python3 does the reading; each message arrives as one JSON line.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const RECEIVER = `
import json, os, socket, sys, array
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print(json.dumps({"listening": path}), flush=True)
while True:
    data, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i"); fds.frombytes(payload[: len(payload) - len(payload) % 4])
            for fd in fds: os.close(fd)
    print(json.dumps({"message": data.decode()}), flush=True)
`;

export async function startNotifySocket(dir: string) {
  const path = join(dir, 'notify.sock');
  // Debian's own python3 (installed with tryton-server), not whatever python3 is first on PATH.
  const proc = spawn('/usr/bin/python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  const lines = createInterface({ input: proc.stdout });
  await new Promise<void>((resolve, reject) => {
    proc.once('error', reject);
    lines.on('line', (l) => {
      const m = JSON.parse(l) as { listening?: string; message?: string };
      if (m.listening) resolve();
      if (m.message !== undefined) messages.push(m.message);
    });
  });
  return { path, messages, stop: () => proc.kill('SIGKILL') };
}
