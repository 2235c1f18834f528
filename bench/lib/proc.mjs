// Reads CPU time and resident memory of a process and all its descendants from /proc.
import { readFileSync, readdirSync } from 'node:fs';

const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64 and arm64

function stat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after "comm": state(3) ppid(4) ... utime(14) stime(15): rest[0] is field 3
    return { state: rest[0], ppid: +rest[1], utime: +rest[11], stime: +rest[12] };
  } catch {
    return null;
  }
}

/** pid and every descendant pid that is alive now. */
export function tree(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = stat(name);
    if (!st) continue;
    if (!children.has(st.ppid)) children.set(st.ppid, []);
    children.get(st.ppid).push(+name);
  }
  const out = [];
  const todo = [+pid];
  while (todo.length) {
    const p = todo.pop();
    out.push(p);
    for (const c of children.get(p) || []) todo.push(c);
  }
  return out;
}

/** CPU seconds of pid and its descendants, in user space and in the kernel (utime, stime). */
export function cpuSplit(pid) {
  let user = 0;
  let system = 0;
  for (const p of tree(pid)) {
    const st = stat(p);
    if (st) { user += st.utime; system += st.stime; }
  }
  return { user: user / CLK_TCK, system: system / CLK_TCK };
}

/**
 * CPU seconds (user + system) of pid's threads by name, numbers folded ("C2 CompilerThre#", "vert.x-eventloop-thread-#"):
 * where a JVM's time went (its event loops, the JIT, the GC), without a profiler.
 */
export function threadCpu(pid) {
  const byName = {};
  let tasks = [];
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return byName; }
  for (const tid of tasks) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')).replace(/\d+/g, '#');
      const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
      byName[name] = (byName[name] || 0) + (+rest[11] + +rest[12]) / CLK_TCK;
    } catch { /* gone */ }
  }
  return byName;
}

/** CPU seconds (user + system) of pid and its descendants. */
export function cpuSeconds(pid) {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

/** Resident set size in KiB of pid and its descendants. */
export function rssKiB(pid) {
  let kb = 0;
  for (const p of tree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += +m[1];
    } catch { /* gone */ }
  }
  return kb;
}

export function alive(pid) {
  const st = stat(pid);
  return !!st && st.state !== 'Z';
}

export function openFds(pid) {
  try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return null; }
}

export function nofileLimit(pid) {
  try {
    const m = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return m ? { soft: +m[1], hard: +m[2] } : null;
  } catch { return null; }
}

/** CPU seconds the whole machine spent busy (all cores, /proc/stat), to tell how much load came from elsewhere. */
export function machineBusySeconds() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + (steal || 0)) / CLK_TCK;
}
