#!/usr/bin/env python3
"""TCP flows for bin/bench spread (standard library only).

sink PORT ADDR...
    Listens on every ADDR:PORT, reads each connection to its end, then closes it. Prints "ready".
flows PORT BYTES SRC[,SRC...] DST[,DST...] N
    N concurrent TCP flows; flow i is bound to SRC[i % #SRC] and connects to DST[i % #DST], sends
    BYTES, shuts its side down and waits for the sink's close (so every byte has left the host).
    Prints "ok N"; exits 1 with the errors if any flow failed.
"""
import socket
import sys
import threading


def sink(port, addrs):
    def drain(conn):
        with conn:
            while conn.recv(65536):
                pass

    def serve(listener):
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=drain, args=(conn,), daemon=True).start()

    for a in addrs:
        s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a, port))
        s.listen(256)
        threading.Thread(target=serve, args=(s,), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


def flows(port, nbytes, srcs, dsts, n):
    errors = []
    chunk = b"\0" * 65536

    def one(i):
        src = srcs[i % len(srcs)]
        dst = dsts[i % len(dsts)]
        try:
            with socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET) as s:
                s.settimeout(120)
                s.bind((src, 0))
                s.connect((dst, port))
                left = nbytes
                while left > 0:
                    left -= s.send(chunk[:min(left, len(chunk))])
                s.shutdown(socket.SHUT_WR)
                if s.recv(1) != b"":
                    raise RuntimeError("the sink sent data")
        except Exception as e:  # reported, the bench fails
            errors.append("flow %d %s -> %s: %s" % (i, src, dst, e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print("\n".join(errors), flush=True)
        sys.exit(1)
    print("ok %d" % n, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        sink(int(sys.argv[2]), sys.argv[3:])
    elif sys.argv[1] == "flows":
        flows(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(","), sys.argv[5].split(","), int(sys.argv[6]))
    else:
        sys.exit("usage: spreadflows.py sink PORT ADDR... | flows PORT BYTES SRCS DSTS N")
