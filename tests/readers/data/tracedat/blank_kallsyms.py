#!/usr/bin/env python3
"""Blanks the kallsyms of an uncompressed trace.dat (v6 or v7), in place.

Only the /proc/kallsyms lines whose symbol name is in KEEP (a file with one
name a line) stay; one dummy symbol at address 0 with a long name fills the
rest, so the file keeps its size and every offset in it stays valid, and it
compresses to almost nothing. Used to keep the test
files small: only the workqueue functions of a trace need their names.

usage: blank_kallsyms.py FILE.dat KEEP
"""
import struct
import sys


def find_kallsyms(d):
    """Returns (start, size) of the kallsyms text."""
    end = d.index(b"\0", 10)
    version = int(d[10:end])
    p = end + 1
    little = d[p] == 0
    fmt = "<" if little else ">"
    p += 6  # endian, long size, page size
    if version >= 7:
        comp = d[p:d.index(b"\0", p)]
        if comp != b"none":
            sys.exit("compressed file: convert it with --compression none first")
        p = d.index(b"\0", p) + 1
        p = d.index(b"\0", p) + 1
        (opt,) = struct.unpack(fmt + "Q", d[p:p + 8])
        while opt:  # options sections chain through their DONE option
            q = opt + 16
            opt = 0
            while True:
                oid, sz = struct.unpack(fmt + "HI", d[q:q + 6])
                if oid == 19:  # KALLSYMS section offset
                    (off,) = struct.unpack(fmt + "Q", d[q + 6:q + 14])
                    (n,) = struct.unpack(fmt + "I", d[off + 16:off + 20])
                    return off + 20, n
                if oid == 0:
                    (opt,) = struct.unpack(fmt + "Q", d[q + 6:q + 14])
                    break
                q += 6 + sz
        sys.exit("no KALLSYMS option")
    # v6: walk header_page, header_event, ftrace formats, event formats.
    for _ in range(2):
        p = d.index(b"\0", p) + 1
        (n,) = struct.unpack(fmt + "Q", d[p:p + 8])
        p += 8 + n
    (count,) = struct.unpack(fmt + "I", d[p:p + 4])
    p += 4
    for _ in range(count):
        (n,) = struct.unpack(fmt + "Q", d[p:p + 8])
        p += 8 + n
    (systems,) = struct.unpack(fmt + "I", d[p:p + 4])
    p += 4
    for _ in range(systems):
        p = d.index(b"\0", p) + 1
        (count,) = struct.unpack(fmt + "I", d[p:p + 4])
        p += 4
        for _ in range(count):
            (n,) = struct.unpack(fmt + "Q", d[p:p + 8])
            p += 8 + n
    (n,) = struct.unpack(fmt + "I", d[p:p + 4])
    return p + 4, n


def main():
    path, keep_path = sys.argv[1], sys.argv[2]
    keep = set(open(keep_path).read().split())
    d = bytearray(open(path, "rb").read())
    start, size = find_kallsyms(d)
    out = bytearray()
    for line in bytes(d[start:start + size]).split(b"\n"):
        parts = line.split()
        if len(parts) >= 3 and parts[2].decode(errors="replace") in keep:
            out += line + b"\n"
    # One dummy symbol at address 0 fills the rest (trace-cmd misreads blank
    # lines): nothing real is looked up below it.
    filler = b"0000000000000000 t "
    rest = size - len(out) - len(filler) - 1
    if rest < 1:
        sys.exit("kallsyms too small to blank")
    out += filler + b"x" * rest + b"\n"
    d[start:start + size] = out
    open(path, "wb").write(d)


if __name__ == "__main__":
    main()
