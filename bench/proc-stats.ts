// CPU time and resident memory of a process, read from /proc: the gateway's cost, measured from outside it.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (usually 100). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // getconf missing: Linux's USER_HZ is 100 on every common build.
    }
  }
  return ticksPerSecond;
}

/** The fields of /proc/<pid>/stat after the command name (parenthesised, it may hold spaces): field 4 (ppid) is [1]. */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

const micros = (ticks: number): number => (ticks * 1_000_000) / clockTicksPerSecond();

/** utime + stime of all the process's threads, in µs (resolution one clock tick, 10 ms at 100 Hz). */
export function readCpuMicros(pid: number): number {
  // utime and stime are fields 14 and 15.
  const fields = statFields(pid);
  return micros(Number(fields[11]) + Number(fields[12]));
}

/**
 * CPU µs of a server that forks a process per connection (PostgreSQL's postmaster): its own, its live children's,
 * and (cutime + cstime, fields 16 and 17) that of the children it has reaped, so a backend that exits between two
 * readings is not lost.
 */
export function readProcessTreeCpuMicros(pid: number): number {
  const own = statFields(pid);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(entry);
      if (Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Exited since the listing: its time is in the parent's cutime + cstime once reaped.
    }
  }
  return micros(ticks);
}

/** Resident set size in MB, from VmRSS in /proc/<pid>/status. */
export function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}
