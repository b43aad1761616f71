#!/usr/bin/env python3
"""Measure kstarve against the targets of issue #2 and print the figure table.

    figures.py --kstarve BIN --reader-bench BIN [--data DIR] [--reps 3]

Called by bench/run.sh (which builds the binaries first); see bench/README.md
for what each figure means. Everything is measured in this one run, so that
the comparisons (kstarve against perf, one format against another) see the
same machine load. Always exits 0 unless it cannot run at all: the table is
a report, not a test. Pure standard library.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

FORMATS = ['ftrace', 'trace-cmd', 'perf-script']
READER_TARGET = 5e6          # events/s per core, ftrace text reader
RSS_TARGET = 200 * 1000**2   # bytes: "at most 200 MB"


def log(msg):
    print(f'[bench {time.strftime("%H:%M:%S")}] {msg}', file=sys.stderr, flush=True)


def run_measured(cmd, stdout_path, stderr_path=os.devnull):
    """Runs cmd; returns (exit code, wall s, CPU s (user+sys), max RSS bytes)."""
    with open(stdout_path, 'wb') as out, open(stderr_path, 'wb') as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024


def read_manifest(path):
    m = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if '=' in line and not line.startswith('#'):
                    k, v = line.rstrip('\n').split('=', 1)
                    m[k] = v
    return m


def json_events(path):
    try:
        with open(path) as f:
            return json.load(f)['trace']['events']
    except (OSError, ValueError, KeyError, TypeError):
        return None


def first_line(path):
    try:
        with open(path, errors='replace') as f:
            return f.readline().strip()
    except OSError:
        return ''


def fmt_n(n):
    return f'{n:,}' if isinstance(n, int) else '-'


def fmt_rate(x, scale=1e6, digits=2):
    return f'{x / scale:.{digits}f}' if x else '-'


class Table:
    def __init__(self, head):
        self.head = head
        self.rows = []

    def add(self, *cells):
        self.rows.append([str(c) for c in cells])

    def render(self, indent='  '):
        cols = list(zip(*([self.head] + self.rows)))
        w = [max(len(c) for c in col) for col in cols]
        out = []
        for i, r in enumerate([self.head] + self.rows):
            cells = [r[0].ljust(w[0])] + [c.rjust(w[j]) for j, c in enumerate(r) if j > 0]
            out.append(indent + '  '.join(cells).rstrip())
            if i == 0:
                out.append(indent + '  '.join('-' * x for x in w))
        return '\n'.join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--kstarve', required=True)
    ap.add_argument('--reader-bench', required=True)
    ap.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data'))
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--min-time', default='1', help='--benchmark_min_time of reader_bench (seconds)')
    ap.add_argument('--build-type', default='?')
    a = ap.parse_args()

    data = a.data
    man = read_manifest(os.path.join(data, 'manifest.txt'))
    files = {f: os.path.join(data, f + '.txt') for f in FORMATS}
    rec = os.path.join(data, 'ftrace-recording.txt')
    big = os.path.join(data, 'ftrace-1g.txt')
    perf_data = os.path.join(data, 'perf.data')
    work = tempfile.mkdtemp(prefix='kstarve-bench.')
    out_json = os.path.join(work, 'out.json')
    started = datetime.datetime.now(datetime.timezone.utc)

    # ------------------------------------------------------ reader_bench ---
    rb = {}
    rb_json = os.path.join(work, 'reader_bench.json')
    cmd = [a.reader_bench] + [f'--{f}={files[f]}' for f in FORMATS] + [
        f'--benchmark_repetitions={a.reps}', '--benchmark_report_aggregates_only=true',
        f'--benchmark_min_time={a.min_time}',
        f'--benchmark_out={rb_json}', '--benchmark_out_format=json']
    log('reader_bench: ' + ' '.join(cmd))
    rc = subprocess.call(cmd, stdout=sys.stderr)
    if rc != 0:
        log(f'reader_bench exited with {rc}')
    try:
        with open(rb_json) as f:
            for b in json.load(f)['benchmarks']:
                # MeasureProcessCPUTime() appends "/process_time" to the names.
                b['run_name'] = b['run_name'].replace('/process_time', '')
                if b.get('aggregate_name') == 'median' or (a.reps <= 1 and 'aggregate_name' not in b):
                    rb[b['run_name']] = b
                elif b.get('error_occurred'):
                    rb[b['run_name']] = b
    except (OSError, ValueError, KeyError) as e:
        log(f'no reader_bench results: {e}')

    # ------------------------------------------- kstarve report, per format ---
    ks = {}
    for f in FORMATS:
        path = files[f]
        if not os.path.exists(path):
            log(f'kstarve report: skipping {f}: {path} not found (run bench/make_inputs.sh)')
            continue
        runs = []
        for i in range(a.reps):
            err = os.path.join(work, 'err.txt')
            rc, wall, cpu, rss = run_measured([a.kstarve, 'report', '--format', 'json', path], out_json, err)
            log(f'kstarve report {f} #{i + 1}: exit {rc}, {wall:.3f} s wall, {cpu:.3f} s CPU')
            if rc != 0:
                ks[f] = {'error': f'exit {rc}: {first_line(err)}'}
                break
            runs.append((wall, cpu, rss))
        else:
            best = min(runs)
            ks[f] = {'events': json_events(out_json), 'bytes': os.path.getsize(path), 'wall': best[0],
                     'cpu': best[1], 'rss': max(r[2] for r in runs), 'walls': [r[0] for r in runs]}

    # ----------------------------------- perf sched latency vs kstarve ---
    cmp = {'perf': [], 'kstarve': []}
    cmp_err = None
    perf_out = os.path.join(work, 'perf-sched-latency.txt')
    cmp_in = rec if os.path.exists(rec) else files['ftrace']
    if os.path.exists(perf_data) and os.path.exists(cmp_in):
        for i in range(a.reps):
            order = ['perf', 'kstarve'] if i % 2 == 0 else ['kstarve', 'perf']
            for who in order:
                if who == 'perf':
                    cmd = ['perf', 'sched', 'latency', '-i', perf_data]
                    rc, wall, cpu, rss = run_measured(cmd, perf_out, os.path.join(work, 'perf-err.txt'))
                else:
                    cmd = [a.kstarve, 'report', '--format', 'json', cmp_in]
                    rc, wall, cpu, rss = run_measured(cmd, out_json, os.path.join(work, 'err.txt'))
                log(f'{who} #{i + 1}: exit {rc}, {wall:.3f} s wall, {cpu:.3f} s CPU')
                if rc != 0:
                    cmp_err = f'{who} exited with {rc}'
                cmp[who].append((wall, cpu, rss))
        cmp_events = json_events(out_json)
    else:
        cmp_err = f'{perf_data} or {cmp_in} not found (run bench/make_inputs.sh)'
        cmp_events = None
    perf_total = None
    try:
        with open(perf_out) as f:
            for line in f:
                if 'TOTAL:' in line:
                    perf_total = ' '.join(line.split())
    except OSError:
        pass

    # ----------------------------------------------- peak RSS on ~1 GB ---
    big_res = None
    if os.path.exists(big):
        log(f'/usr/bin/time -v kstarve report --format json {big}')
        err = os.path.join(work, 'time-v.txt')
        rc, wall, cpu, _ = run_measured(['/usr/bin/time', '-v', a.kstarve, 'report', '--format', 'json', big],
                                        out_json, err)
        with open(err, errors='replace') as f:
            tv = f.read()
        m = re.search(r'Maximum resident set size \(kbytes\): (\d+)', tv)
        big_res = {'rc': rc, 'wall': wall, 'cpu': cpu, 'bytes': os.path.getsize(big),
                   'rss': int(m.group(1)) * 1024 if m else None, 'events': json_events(out_json),
                   'err': '' if rc == 0 else tv.strip().splitlines()[0] if tv.strip() else ''}
        log(f'  exit {rc}, {wall:.2f} s, max RSS {big_res["rss"]}')
    else:
        log(f'skipping peak RSS: {big} not found (run bench/make_inputs.sh)')

    # ------------------------------------------------------------ table ---
    cpu_model = man.get('cpu_model') or platform.processor()
    print()
    print(f'kstarve benchmark, {started:%Y-%m-%d %H:%M} UTC: {platform.node()}, {cpu_model}, '
          f'{os.cpu_count()} vCPUs, Linux {platform.release()}, kstarve {a.build_type} build')
    print(f'inputs: {data} recorded {man.get("recorded", "?")} ({man.get("workload", "?")})')
    for f in FORMATS + ['ftrace-1g']:
        if f'{f}.events' in man:
            rep = man.get(f'{f}.replicated') == 'yes'
            note = (f'replicated x{man[f"{f}.copies"]} from {int(man[f"{f}.recorded_events"]):,} recorded events, '
                    'timestamps shifted forward') if rep else 'as recorded'
            print(f'  {f + ".txt":16} {int(man[f"{f}.events"]):>13,} events  {note}')
    print()
    print('1. Throughput per text format. MB = 10^6 bytes of input; events = records kstarve used;')
    print('   "/cpu" = per second of process CPU time (user+sys; one thread, so per core), "/wall" = per second')
    print(f'   of wall time. "kstarve report": the CLI end to end (read, sort, analyze, JSON), best of {a.reps} by wall time.')
    print('   "read": reader_bench, ReadTrace into a counting sink. "analyze": reader_bench, AnalyzeTraces')
    print(f'   (read, sort, analyze). reader_bench rows: median of {a.reps} repetitions, seconds per iteration.')
    t = Table(['what', 'format', 'events', 'MB', 'wall s', 'CPU s', 'Mevents/s/wall', 'Mevents/s/cpu',
               'MB/s/wall', 'MB/s/cpu'])
    blank = [''] * 7
    for f in FORMATS:
        r = ks.get(f)
        if r is None:
            t.add('kstarve report', f, 'skipped: no input', *blank)
        elif 'error' in r:
            t.add('kstarve report', f, r['error'][:60], *blank)
        else:
            ev, mb = r['events'] or 0, r['bytes'] / 1e6
            t.add('kstarve report', f, fmt_n(r['events']), f'{mb:.1f}', f'{r["wall"]:.3f}', f'{r["cpu"]:.3f}',
                  fmt_rate(ev / r['wall']), fmt_rate(ev / r['cpu']) if r['cpu'] else '-',
                  f'{mb / r["wall"]:.1f}', f'{mb / r["cpu"]:.1f}' if r['cpu'] else '-')
    for name in [f'read/{f}' for f in FORMATS] + ['analyze/ftrace']:
        kind, f = name.split('/')
        b = rb.get(name)
        if b is None:
            t.add(kind, f, 'skipped: no input', *blank)
        elif b.get('error_occurred'):
            t.add(kind, f, 'error: ' + b.get('error_message', '')[:60], *blank)
        else:
            scale = {'ns': 1e-9, 'us': 1e-6, 'ms': 1e-3, 's': 1.0}[b.get('time_unit', 'ns')]
            t.add(kind, f, fmt_n(int(b['events'])), f'{b["MB"]:.1f}', f'{b["real_time"] * scale:.3f}',
                  f'{b["cpu_time"] * scale:.3f}', fmt_rate(b.get('wall_events_per_s', 0)),
                  fmt_rate(b['items_per_second']), f'{b.get("wall_MB_per_s", 0):.1f}',
                  f'{b["bytes_per_second"] / 1e6:.1f}')
    print(t.render())
    print()

    print(f'2. perf sched latency against kstarve report on the same workload (recorded at the same '
          f'time), wall time, best of {a.reps}, interleaved')
    ratio = None
    if cmp['perf'] and cmp['kstarve']:
        pb, kb = min(cmp['perf']), min(cmp['kstarve'])
        t = Table(['command', 'input', 'events', 'MB', 'best s', 'CPU s', 'runs (s)'])
        t.add('perf sched latency -i', os.path.relpath(perf_data), fmt_n(int(man['perf_data_samples']))
              if man.get('perf_data_samples', '').isdigit() else '-',
              f'{os.path.getsize(perf_data) / 1e6:.1f}', f'{pb[0]:.3f}', f'{pb[1]:.3f}',
              ' '.join(f'{x[0]:.3f}' for x in cmp['perf']))
        t.add('kstarve report --format json', os.path.relpath(cmp_in), fmt_n(cmp_events),
              f'{os.path.getsize(cmp_in) / 1e6:.1f}', f'{kb[0]:.3f}', f'{kb[1]:.3f}',
              ' '.join(f'{x[0]:.3f}' for x in cmp['kstarve']))
        print(t.render())
        ratio = pb[0] / kb[0]
        print(f'  perf time / kstarve time = {ratio:.2f} (kstarve is {"faster" if ratio > 1 else "slower"})')
        if perf_total:
            print(f'  perf sched latency said: {perf_total}  (its delays, not compared: see README)')
    if cmp_err:
        print(f'  problem: {cmp_err}')
    print()

    print('3. Peak memory: /usr/bin/time -v kstarve report --format json on the ~1 GB ftrace text')
    if big_res:
        if big_res['rc'] != 0:
            print(f'  kstarve exited with {big_res["rc"]}: {big_res["err"]}')
        ev = big_res['events'] or 0
        print(f'  {os.path.relpath(big)}: {big_res["bytes"] / 1e6:,.0f} MB, {fmt_n(big_res["events"])} events, '
              f'{big_res["wall"]:.2f} s wall ({fmt_rate(ev / big_res["wall"])} Mevents/s), '
              f'{big_res["cpu"]:.2f} s CPU, max RSS '
              + (f'{big_res["rss"] / 1e6:.1f} MB' if big_res['rss'] else '?'))
    else:
        print('  skipped: no input')
    print()

    print('Targets (issue #2):')
    b = rb.get('read/ftrace')
    if b and not b.get('error_occurred'):
        v = b['items_per_second']
        print(f'  {"PASS" if v >= READER_TARGET else "FAIL"}  ftrace text reader >= 5M events/s per core: '
              f'{v / 1e6:.2f}M events/s (reader_bench read/ftrace, per CPU second)')
    else:
        print('  FAIL  ftrace text reader >= 5M events/s per core: not measured')
    if ratio is not None and not cmp_err:
        print(f'  {"PASS" if ratio > 1 else "FAIL"}  kstarve faster than perf sched latency on the same workload: '
              f'{min(cmp["kstarve"])[0]:.3f} s vs {min(cmp["perf"])[0]:.3f} s ({ratio:.2f}x)')
    else:
        print(f'  FAIL  kstarve faster than perf sched latency: not measured ({cmp_err})')
    if big_res and big_res['rss'] and big_res['rc'] == 0:
        print(f'  {"PASS" if big_res["rss"] <= RSS_TARGET else "FAIL"}  peak RSS <= 200 MB on a ~1 GB trace: '
              f'{big_res["rss"] / 1e6:.1f} MB')
    else:
        print('  FAIL  peak RSS <= 200 MB on a ~1 GB trace: not measured')
    subprocess.call(['rm', '-rf', work])
    return 0


if __name__ == '__main__':
    sys.exit(main())
