#!/usr/bin/env python3
"""pyhold - a python3 process holding memory, for tests/realprog.bats and
bench/service-latency.sh.

Usage: python3 pyhold.py --ready PATH --verify PATH [--mib N] [--objects N]
                         [--gaps PATH]

Holds a bytearray of N MiB (default 256) of seeded pseudo-random bytes and
--objects (default 300000) small objects (str, tuple, dict, int) in lists
and dicts: pymalloc arenas and the big buffer, anonymous mappings of uneven
sizes made by an allocator nobody here wrote.

--ready PATH    written atomically (PATH.tmp + rename) once everything is
                allocated: pid=PID, mib=N, objects=N (KEY=VALUE lines).
--verify PATH   on SIGUSR1 the main thread checks the bytearray (CRC-32
                against the one taken at start) and every small object
                (recomputed), then writes atomically "OK checks=N" or
                "FAIL checks=N what=..." there. The check reads all of it,
                so it also brings paged-out memory back.
--gaps PATH     a thread sleeps 1 ms in a loop and records the gaps between
                its wake-ups; on SIGUSR2 the main thread writes (atomically)
                "max_gap_ms=X p99_gap_ms=Y samples=N" there for the gaps
                since the start or the previous SIGUSR2, and starts over;
                on SIGTERM/SIGINT it writes them and exits 0. Without
                --gaps the thread runs anyway (a target whose threads run)
                and nothing is written.
"""
import argparse
import os
import random
import signal
import threading
import time
import zlib


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def obj(i):
    """The i-th small object: recomputable, so the check needs no copy."""
    k = i % 4
    if k == 0:
        return "obj-%d-%s" % (i, "x" * (i % 37))
    if k == 1:
        return (i, i * 3, "t%d" % i)
    if k == 2:
        return {"i": i, "s": "d%d" % i}
    return i * 7919 + (1 << 40)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ready", required=True)
    ap.add_argument("--verify")
    ap.add_argument("--mib", type=int, default=256)
    ap.add_argument("--objects", type=int, default=300000)
    ap.add_argument("--gaps")
    a = ap.parse_args()

    # Blocked in every thread (threads inherit the mask) and taken with
    # sigwaitinfo by the main thread: no signal is lost between a check
    # and the wait.
    sigs = {signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, sigs)

    # The big buffer: 1 MiB of seeded random bytes, varied per MiB so that
    # a page moved to the wrong place changes the CRC.
    rnd = random.Random(1)
    unit = rnd.randbytes(1 << 20)
    big = bytearray(a.mib << 20)
    for m in range(a.mib):
        off = m << 20
        big[off:off + (1 << 20)] = unit
        big[off:off + 8] = m.to_bytes(8, "little")
    crc = zlib.crc32(big)

    small = [obj(i) for i in range(a.objects)]
    index = {("k%d" % i): small[i] for i in range(0, a.objects, 3)}

    gaps = []
    lock = threading.Lock()

    def ticker():
        prev = time.monotonic()
        while True:
            time.sleep(0.001)
            now = time.monotonic()
            with lock:
                gaps.append(now - prev)
                if len(gaps) > 2000000:
                    del gaps[:1000000]
            prev = now

    threading.Thread(target=ticker, daemon=True).start()

    write_atomic(a.ready, "pid=%d\nmib=%d\nobjects=%d\n" %
                 (os.getpid(), a.mib, a.objects))

    def write_gaps():
        with lock:
            g = sorted(gaps)
            del gaps[:]
        if not a.gaps:
            return
        if g:
            p99 = g[min(len(g) - 1, int(len(g) * 0.99))]
            write_atomic(a.gaps, "max_gap_ms=%.1f p99_gap_ms=%.2f samples=%d\n"
                         % (g[-1] * 1e3, p99 * 1e3, len(g)))
        else:
            write_atomic(a.gaps, "max_gap_ms=nan p99_gap_ms=nan samples=0\n")

    checks = 0
    while True:
        sig = signal.sigwaitinfo(sigs).si_signo
        if sig == signal.SIGUSR2:
            write_gaps()
            continue
        if sig != signal.SIGUSR1:
            break
        checks += 1
        what = None
        if zlib.crc32(big) != crc:
            what = "bytearray"
        elif any(small[i] != obj(i) for i in range(a.objects)):
            what = "objects"
        elif any(index["k%d" % i] != obj(i) for i in range(0, a.objects, 3)):
            what = "dict"
        if a.verify:
            write_atomic(a.verify, "OK checks=%d\n" % checks if what is None
                         else "FAIL checks=%d what=%s\n" % (checks, what))
    write_gaps()


if __name__ == "__main__":
    main()
