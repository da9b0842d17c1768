#!/usr/bin/python3
"""Traffic helper for the ipmpd test harness (Python 3 standard library only).

Modes (each runs inside a network namespace through `ip netns exec`):
  ping    one reachability check: echo requests every --interval until the first
          matching reply (exit 0) or --timeout (exit 1)
  server  TCP echo server on --bind/--port (optionally IP_FREEBIND), prints
          "listening ADDR PORT", runs until its stdin is closed
  client  pings --ping every --interval and holds one TCP connection to
          --tcp/--port with a small echo exchange every --interval; prints
          event lines, and when stdin is closed drains and prints one line
          "report key=value ..."
"""
import argparse
import errno
import ipaddress
import os
import select
import socket
import struct
import sys
import time

SO_BINDTODEVICE = 25
IP_FREEBIND = 15
IPV6_FREEBIND = 78


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


class Pinger:
    """Raw-socket ICMP / ICMPv6 echo sender and reply matcher."""

    def __init__(self, target, dev=None, src=None):
        addr = target.split("%")[0]
        self.ip = ipaddress.ip_address(addr)
        self.v6 = self.ip.version == 6
        self.multicast = self.ip.is_multicast
        self.ident = (os.getpid() ^ int(time.time() * 1000)) & 0xFFFF
        if self.v6:
            self.sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
            scope = 0
            if "%" in target:
                scope = socket.if_nametoindex(target.split("%")[1])
            elif dev and (self.ip.is_link_local or self.ip.is_multicast):
                scope = socket.if_nametoindex(dev)
            self.dest = (addr, 0, 0, scope)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            self.dest = (addr, 0)
        if dev:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, dev.encode())
        if src:
            if self.v6:
                sscope = socket.if_nametoindex(dev) if dev and ipaddress.ip_address(src).is_link_local else 0
                self.sock.bind((src, 0, 0, sscope))
            else:
                self.sock.bind((src, 0))
        self.sock.setblocking(False)

    def send(self, seq):
        payload = struct.pack("!d", time.time()) + b"ipmpd-test"
        typ = 128 if self.v6 else 8
        hdr = struct.pack("!BBHHH", typ, 0, 0, self.ident, seq & 0xFFFF)
        pkt = hdr + payload
        if not self.v6:
            pkt = struct.pack("!BBHHH", typ, 0, checksum(pkt), self.ident, seq & 0xFFFF) + payload
        try:
            self.sock.sendto(pkt, self.dest)
            return True
        except OSError:
            return False  # e.g. ENETUNREACH, EHOSTUNREACH while a route is missing

    def receive(self):
        """Returns a list of (seq, source) of matching echo replies now readable."""
        got = []
        while True:
            try:
                data, frm = self.sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return got
            except OSError:
                return got
            if not self.v6:
                if len(data) < 20:
                    continue
                data = data[(data[0] & 0x0F) * 4:]
                want = 0
            else:
                want = 129
            if len(data) < 8:
                continue
            typ, _code, _ck, ident, seq = struct.unpack("!BBHHH", data[:8])
            if typ != want or ident != self.ident:
                continue
            source = frm[0].split("%")[0]
            if not self.multicast and ipaddress.ip_address(source) != self.ip:
                continue
            got.append((seq, source))


def mode_ping(a):
    p = Pinger(a.target, a.dev, a.src)
    deadline = time.monotonic() + a.timeout
    seq = 0
    nxt = time.monotonic()
    start = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= deadline:
            out("timeout target=%s sent=%d" % (a.target, seq))
            return 1
        if now >= nxt:
            seq += 1
            p.send(seq)
            nxt = now + a.interval
        r, _, _ = select.select([p.sock], [], [], max(0.0, min(nxt, deadline) - time.monotonic()))
        if r:
            got = p.receive()
            if got:
                out("reply from=%s seq=%d after_ms=%.1f" % (got[0][1], got[0][0], (time.monotonic() - start) * 1000))
                return 0


def listen_socket(addr, port, freebind, bind_timeout):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if freebind:
        s.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
        if fam == socket.AF_INET6:
            try:
                s.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
            except OSError:
                pass
    dest = (addr, port, 0, 0) if fam == socket.AF_INET6 else (addr, port)
    deadline = time.monotonic() + bind_timeout
    while True:
        try:
            s.bind(dest)
            break
        except OSError as e:
            # EADDRNOTAVAIL: the data address is not configured yet; wait for it
            if e.errno != errno.EADDRNOTAVAIL or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)
    s.listen(16)
    s.setblocking(False)
    return s


def mode_server(a):
    ls = listen_socket(a.bind, a.port, a.freebind, a.bind_timeout)
    out("listening %s %d" % (a.bind, a.port))
    conns = {}
    stdin = sys.stdin.fileno()
    watch = [ls, stdin]
    while True:
        r, _, _ = select.select(watch + list(conns), [], [], 1.0)
        for x in r:
            if x is ls:
                try:
                    c, peer = ls.accept()
                except OSError:
                    continue
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                c.setblocking(True)
                conns[c] = peer
                out("accepted %s" % (peer[0],))
            elif x == stdin:
                if not os.read(stdin, 4096):
                    out("server stopping")
                    return 0
            else:
                try:
                    data = x.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    out("closed %s" % (conns.pop(x)[0],))
                    x.close()
                else:
                    x.sendall(data)


class Report:
    def __init__(self):
        self.v = {}

    def line(self):
        return "report " + " ".join("%s=%s" % kv for kv in self.v.items())


def mode_client(a):
    p = Pinger(a.ping) if a.ping else None
    start = time.monotonic()
    stdin = sys.stdin.fileno()
    sent = {}          # seq -> send time
    replied = set()
    dups = 0
    seq = 0
    last_reply = None
    ping_max_gap = 0.0
    nxt_ping = start

    tcp = None          # connected socket
    tcp_connecting = None
    tcp_connected = False
    tcp_error = ""
    tcp_closed = False
    tx = bytearray()    # every byte ever sent
    rx_count = 0
    in_order = True
    msg = 0
    nxt_tcp = start
    last_echo = None
    tcp_max_gap = 0.0
    connect_deadline = start + a.connect_timeout
    nxt_connect = start
    first_reply_said = False

    fam = socket.AF_INET6 if a.tcp and ":" in a.tcp else socket.AF_INET

    stopping_at = None
    while True:
        now = time.monotonic()
        if stopping_at is None:
            # pings
            if p and now >= nxt_ping:
                seq += 1
                p.send(seq)
                sent[seq & 0xFFFF] = now
                nxt_ping += a.interval
                if nxt_ping < now:
                    nxt_ping = now + a.interval
            # tcp connect attempts (retried until connect_timeout)
            if a.tcp and tcp is None and tcp_connecting is None and not tcp_error and now >= nxt_connect:
                if now > connect_deadline:
                    tcp_error = "connect-timeout"
                    out("tcp-error connect-timeout")
                else:
                    s = socket.socket(fam, socket.SOCK_STREAM)
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    s.setblocking(False)
                    err = s.connect_ex((a.tcp, a.port))
                    if err in (0, errno.EINPROGRESS):
                        tcp_connecting = s
                    else:
                        s.close()
                        nxt_connect = now + 0.05
            # tcp exchange
            if tcp is not None and not tcp_closed and now >= nxt_tcp:
                msg += 1
                data = struct.pack("!QQ", msg, msg ^ 0x5A5A5A5A5A5A5A5A)
                try:
                    n = tcp.send(data)
                    tx += data[:n]
                    if n < len(data):
                        tcp_error = "short-send"
                except BlockingIOError:
                    pass
                except OSError as e:
                    tcp_error = "send:" + errno.errorcode.get(e.errno, str(e.errno))
                    tcp_closed = True
                nxt_tcp += a.interval
                if nxt_tcp < now:
                    nxt_tcp = now + a.interval

        # wait
        rl = [stdin] if stopping_at is None else []
        wl = []
        if p:
            rl.append(p.sock)
        if tcp is not None and not tcp_closed:
            rl.append(tcp)
        if tcp_connecting is not None:
            wl.append(tcp_connecting)
        wake = [nxt_ping if p else now + 0.1, nxt_tcp if tcp else now + 0.1, now + 0.1]
        if stopping_at is not None:
            wake = [now + 0.01]
        timeout = max(0.0, min(wake) - time.monotonic())
        try:
            r, w, _ = select.select(rl, wl, [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        if tcp_connecting is not None and tcp_connecting in w:
            err = tcp_connecting.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0:
                tcp = tcp_connecting
                tcp_connected = True
                last_echo = now
                nxt_tcp = now
                out("tcp-connected after_ms=%.1f" % ((now - start) * 1000))
            else:
                tcp_connecting.close()
                nxt_connect = now + 0.05
            tcp_connecting = None
        if p and p.sock in r:
            for s_, _src in p.receive():
                if s_ in sent and s_ not in replied:
                    replied.add(s_)
                    ref = last_reply if last_reply is not None else start
                    ping_max_gap = max(ping_max_gap, now - ref)
                    last_reply = now
                    if not first_reply_said:
                        first_reply_said = True
                        out("first-reply after_ms=%.1f" % ((now - start) * 1000))
                elif s_ in replied:
                    dups += 1
        if tcp is not None and not tcp_closed and tcp in r:
            try:
                data = tcp.recv(65536)
                if not data:
                    tcp_closed = True
                    tcp_error = tcp_error or "eof"
                else:
                    if tx[rx_count:rx_count + len(data)] != data:
                        in_order = False
                    rx_count += len(data)
                    tcp_max_gap = max(tcp_max_gap, now - last_echo)
                    last_echo = now
            except BlockingIOError:
                pass
            except OSError as e:
                tcp_closed = True
                tcp_error = "recv:" + errno.errorcode.get(e.errno, str(e.errno))
        if stopping_at is None and stdin in r:
            if not os.read(stdin, 4096):
                stopping_at = now
                out("stopping")
        if stopping_at is not None:
            pings_done = not p or len(replied) >= len(sent) or now - stopping_at >= a.ping_drain
            tcp_done = (tcp is None or tcp_closed or rx_count >= len(tx)
                        or now - stopping_at >= a.tcp_drain)
            if pings_done and tcp_done:
                break

    end = stopping_at
    if p:
        # the time from the last reply (or the start) to the end counts as a gap too
        ping_max_gap = max(ping_max_gap, end - (last_reply if last_reply is not None else start))
    if tcp_connected and rx_count < len(tx):
        # bytes still unanswered after the drain: the gap lasts until now
        tcp_max_gap = max(tcp_max_gap, time.monotonic() - last_echo)
    rep = Report()
    rep.v["duration_ms"] = "%.1f" % ((end - start) * 1000)
    rep.v["pings_sent"] = len(sent)
    rep.v["pings_received"] = len(replied)
    rep.v["pings_lost"] = len(sent) - len(replied)
    rep.v["ping_dups"] = dups
    rep.v["ping_max_gap_ms"] = "%.1f" % (ping_max_gap * 1000)
    rep.v["tcp_connected"] = str(tcp_connected).lower()
    rep.v["tcp_alive"] = str(tcp_connected and not tcp_closed).lower()
    rep.v["tcp_bytes_sent"] = len(tx)
    rep.v["tcp_bytes_echoed"] = rx_count
    rep.v["tcp_in_order"] = str(in_order).lower()
    rep.v["tcp_max_gap_ms"] = "%.1f" % (tcp_max_gap * 1000)
    rep.v["tcp_error"] = tcp_error or "none"
    out(rep.line())
    if tcp is not None:
        tcp.close()
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    pp = sub.add_parser("ping")
    pp.add_argument("--target", required=True)
    pp.add_argument("--dev")
    pp.add_argument("--src")
    pp.add_argument("--timeout", type=float, default=2.0)
    pp.add_argument("--interval", type=float, default=0.02)
    sp = sub.add_parser("server")
    sp.add_argument("--bind", required=True)
    sp.add_argument("--port", type=int, required=True)
    sp.add_argument("--freebind", action="store_true")
    sp.add_argument("--bind-timeout", type=float, default=0.0)
    cp = sub.add_parser("client")
    cp.add_argument("--ping")
    cp.add_argument("--tcp")
    cp.add_argument("--port", type=int, default=0)
    cp.add_argument("--interval", type=float, default=0.01)
    cp.add_argument("--connect-timeout", type=float, default=5.0)
    cp.add_argument("--ping-drain", type=float, default=0.3)
    cp.add_argument("--tcp-drain", type=float, default=3.0)
    a = ap.parse_args()
    return {"ping": mode_ping, "server": mode_server, "client": mode_client}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
