#!/usr/bin/env python3
"""Writes a minimal trace.dat v6 (256-byte pages, 2 CPUs, sched_switch,
sched_waking and irq_handler_entry records, one missed-events page) as the
fuzzing seed: real files are megabytes, too big to mutate.

usage: make_seed.py OUT.dat   (then trace-cmd convert makes the v7 seeds)
"""
import struct
import sys

PAGE = 256

HEADER_PAGE = (b"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
               b"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
               b"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
               b"\tfield: char data;\toffset:16;\tsize:240;\tsigned:1;\n")
HEADER_EVENT = (b"# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n"
                b"\tarray       :   32 bits\n\n\tpadding     : type == 29\n\ttime_extend : type == 30\n"
                b"\ttime_stamp : type == 31\n\tdata max type_len  == 28\n")
COMMON = (b"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
          b"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
          b"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
          b"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n")


def fmt(name, eid, fields):
    return (b"name: " + name + b"\nID: " + str(eid).encode() + b"\nformat:\n" + COMMON + fields +
            b"\nprint fmt: \"x\"\n")


SWITCH = fmt(b"sched_switch", 300,
             b"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
             b"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
             b"\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;\n"
             b"\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n"
             b"\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n"
             b"\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n"
             b"\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;\n")
WAKING = fmt(b"sched_waking", 301,
             b"\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
             b"\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n"
             b"\tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;\n"
             b"\tfield:int target_cpu;\toffset:32;\tsize:4;\tsigned:1;\n")
IRQ = fmt(b"irq_handler_entry", 302,
          b"\tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;\n"
          b"\tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;\n")


def comm(s):
    return s.ljust(16, b"\0")


def switch(pid, prev, prev_pid, state, nxt, next_pid):
    return struct.pack("<HBBi", 300, 0, 0, pid) + comm(prev) + struct.pack("<iiq", prev_pid, 120, state) + \
        comm(nxt) + struct.pack("<ii", next_pid, 120)


def waking(pid, c, tpid, cpu):
    return struct.pack("<HBBi", 301, 0, 0, pid) + comm(c) + struct.pack("<iii", tpid, 120, cpu)


def irq(pid, n, name):
    name += b"\0"
    return struct.pack("<HBBiiI", 302, 0, 0, pid, n, (len(name) << 16) | 16) + name


def record(delta, payload):
    payload += b"\0" * (-len(payload) % 4)
    n = len(payload) // 4
    if n <= 28:
        return struct.pack("<I", (delta << 5) | n) + payload
    return struct.pack("<II", delta << 5, len(payload) + 4) + payload


def page(ts, records, missed=0):
    data = b"".join(records)
    commit = len(data)
    if missed:
        commit |= (1 << 31) | (1 << 30)
        data += struct.pack("<Q", missed)
    body = struct.pack("<QQ", ts, commit) + data
    assert len(body) <= PAGE
    return body + b"\0" * (PAGE - len(body))


def main():
    cpu0 = page(1000000, [record(0, waking(1, b"bash", 42, 0)), record(50, switch(1, b"bash", 1, 1, b"worker", 42)),
                          record(70, irq(42, 36, b"virtio1-req.0"))]) + \
        page(1002000, [struct.pack("<II", (5 << 5) | 30, 1), record(10, switch(42, b"worker", 42, 0, b"bash", 1))],
             missed=7)
    cpu1 = page(1000500, [record(0, switch(0, b"swapper/1", 0, 0, b"kworker/1:1", 77)),
                          record(300, switch(77, b"kworker/1:1", 77, 256, b"swapper/1", 0))])
    out = bytearray(b"\x17\x08Dtracing6\0" + b"\0\x08" + struct.pack("<I", PAGE))
    out += b"header_page\0" + struct.pack("<Q", len(HEADER_PAGE)) + HEADER_PAGE
    out += b"header_event\0" + struct.pack("<Q", len(HEADER_EVENT)) + HEADER_EVENT
    out += struct.pack("<I", 0)  # ftrace formats
    out += struct.pack("<I", 2)
    out += b"sched\0" + struct.pack("<I", 2)
    for f in (SWITCH, WAKING):
        out += struct.pack("<Q", len(f)) + f
    out += b"irq\0" + struct.pack("<I", 1) + struct.pack("<Q", len(IRQ)) + IRQ
    kallsyms = b"ffffffff81000000 T _stext\n"
    out += struct.pack("<I", len(kallsyms)) + kallsyms
    out += struct.pack("<I", 0)  # printk
    cmdlines = b"1 bash\n42 worker\n77 kworker/1:1\n"
    out += struct.pack("<Q", len(cmdlines)) + cmdlines
    out += struct.pack("<I", 2)
    clock = b"[local] global\n"
    out += b"options  \0" + struct.pack("<HI", 4, len(clock)) + clock + struct.pack("<H", 0)
    out += b"flyrecord\0"
    start = len(out) + 32 + 8 + len(clock)
    start += -start % PAGE
    out += struct.pack("<QQQQ", start, len(cpu0), start + len(cpu0), len(cpu1))
    out += struct.pack("<Q", len(clock)) + clock
    out += b"\0" * (start - len(out)) + cpu0 + cpu1
    open(sys.argv[1], "wb").write(out)


if __name__ == "__main__":
    main()
