#!/usr/bin/env python3
"""Replicate a text trace to a minimum size, timestamps shifted forward.

    replicate.py --format {ftrace,trace-cmd,perf-script} [--min-events N]
                 [--min-bytes B] [--name NAME] IN OUT

Copy 0 is IN unchanged (header, comments and markers included). Copies 1, 2,
... repeat IN's event records only, each one shifted by the recording's span
plus 1 ms, so that OUT reads as one longer trace in time order: the same
threads doing the same things again. Copies are added until OUT holds at
least N events and at least B bytes (IN alone if it already does).

Prints `NAME.key=value` lines for bench/data/manifest.txt on stdout:
recorded_events, events, copies, replicated (yes/no), bytes, span_s.

A record is a line with "[CPU]" followed by an optional flags field and a
"SECONDS.FRACTION:" timestamp, which is how ftrace's trace file, `trace-cmd
report` and `perf script` all print records. Pure standard library.
"""
import argparse
import os
import re
import sys

TS_RE = {
    # comm-pid [001] d..2. 1234.567890: event: ...   ((tgid) column optional)
    'ftrace': re.compile(rb'^(.*?\[\d+\]\s+(?:\S+\s+)?)(\d+)\.(\d+)(:\s.*)$', re.S),
    # [instance:] comm-pid [001] 1234.567890: event: ...
    'trace-cmd': re.compile(rb'^(.*?\[\d+\]\s+(?:\S+\s+)?)(\d+)\.(\d+)(:\s.*)$', re.S),
    # comm pid [001] 1234.567890: sched:sched_switch: ...
    'perf-script': re.compile(rb'^(.*?\[\d+\]\s+)(\d+)\.(\d+)(:\s.*)$', re.S),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--format', required=True, choices=sorted(TS_RE))
    ap.add_argument('--min-events', type=int, default=0)
    ap.add_argument('--min-bytes', type=int, default=0)
    ap.add_argument('--name', default='trace')
    ap.add_argument('input')
    ap.add_argument('output')
    a = ap.parse_args()

    with open(a.input, 'rb') as f:
        data = f.read()
    lines = data.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b'\n'):
        lines[-1] += b'\n'
        data += b'\n'
    rx = TS_RE[a.format]
    records = []  # (prefix, ts in fraction units, suffix)
    digits = None
    for line in lines:
        m = rx.match(line)
        if not m:
            continue
        frac = m.group(3)
        if digits is None:
            digits = len(frac)
        elif len(frac) != digits:
            sys.exit(f'{a.input}: mixed timestamp precision ({digits} and {len(frac)} digits)')
        records.append((m.group(1), int(m.group(2)) * 10**digits + int(frac), m.group(4)))
    if not records:
        sys.exit(f'{a.input}: no {a.format} records found')

    unit = 10**digits
    first = min(r[1] for r in records)
    last = max(r[1] for r in records)
    shift = (last - first) + unit // 1000  # span + 1 ms
    n = len(records)

    copies = 1
    size = len(data)
    body = sum(len(p) + len(s) for p, _, s in records) + n * (digits + 1)  # + digits of seconds
    while copies * n < a.min_events or size < a.min_bytes:
        size += body + n * len(str((last + copies * shift) // unit))
        copies += 1

    tmp = a.output + '.tmp'
    with open(tmp, 'wb') as out:
        out.write(data)
        for k in range(1, copies):
            off = k * shift
            chunk = []
            for prefix, ts, suffix in records:
                t = ts + off
                chunk.append(b'%s%d.%0*d%s' % (prefix, t // unit, digits, t % unit, suffix))
            out.write(b''.join(chunk))
    os.replace(tmp, a.output)

    name = a.name
    print(f'{name}.recorded_events={n}')
    print(f'{name}.events={n * copies}')
    print(f'{name}.copies={copies}')
    print(f'{name}.replicated={"yes" if copies > 1 else "no"}')
    print(f'{name}.bytes={os.path.getsize(a.output)}')
    print(f'{name}.span_s={(last - first) / unit:.6f}')


if __name__ == '__main__':
    main()
