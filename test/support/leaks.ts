import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * What a process left behind: its descendant processes (a Temporal server, a worker, a stack)
 * and its TCP sockets still open (a server listening, a client still connected: a worker
 * polling a server that is gone). Read from /proc, so Linux only; elsewhere nothing is found.
 */
export function leftRunning(pid = process.pid): { processes: Array<{ pid: number; command: string }>; sockets: string[] } {
  return { processes: descendants(pid), sockets: openSockets(pid) };
}

function descendants(root: number): Array<{ pid: number; command: string }> {
  const children = new Map<number, number[]>();
  for (const entry of safeReaddir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = safeRead(`/proc/${pid}/stat`);
    // "pid (comm) state ppid …": the command may hold spaces and parentheses, so read after the last ")".
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (!ppid || state === 'Z') continue;
    children.set(Number(ppid), [...(children.get(Number(ppid)) ?? []), pid]);
  }
  const found: Array<{ pid: number; command: string }> = [];
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.push({ pid: child, command: safeRead(`/proc/${child}/cmdline`).split('\0').join(' ').trim().slice(0, 200) });
      visit(child);
    }
  };
  visit(root);
  return found;
}

const TCP_STATES: Record<string, string> = { '01': 'connected', '02': 'connecting', '03': 'connecting', '0A': 'listening' };

function openSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of safeReaddir(`/proc/${pid}/fd`)) {
    const target = safeLink(`/proc/${pid}/fd/${fd}`);
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]);
  }
  const found: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of safeRead(`/proc/${pid}/net/${table}`).split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const state = TCP_STATES[cols[3]];
      // Closing states (TIME_WAIT and the like) hold nothing open.
      if (cols.length < 10 || !state || !inodes.has(cols[9])) continue;
      found.push(`${state} ${address(cols[1])}${state === 'listening' ? '' : ` → ${address(cols[2])}`}`);
    }
  }
  return found;
}

/** `0100007F:1F90` → `127.0.0.1:8080` (IPv6 addresses as their hex). */
function address(hex: string): string {
  const [host, port] = hex.split(':');
  const ip = host.length === 8 ? host.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.') : host;
  return `${ip}:${parseInt(port, 16)}`;
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function safeLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
