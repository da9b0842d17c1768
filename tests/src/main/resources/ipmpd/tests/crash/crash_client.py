"""NETCONF client of the crash run (CrashRun), with ncclient (Debian python3-ncclient; run with
/usr/bin/python3). Reads one command a line on stdin, answers one line on stdout:

    connect                 -> CONNECTED | ERR reason      (retries for up to 60 s)
    replace FILE            -> OK | ERR reason | LOST       edit-config of the candidate with
                                                            default-operation replace, then commit
    confirmed FILE          -> OK | ERR reason | LOST       the same, commit confirmed (timeout 600 s)
    get-config              -> CONFIG <one-line xml> | LOST

LOST: the session broke (the daemon was killed); send connect again.
"""
import sys
import time

from lxml import etree
from ncclient import manager
from ncclient.operations import RaiseMode
import ncclient.transport.ssh as nc_ssh

nc_ssh.TICK = 0.001  # see netconf_bench.py: the default 100 ms tick would slow every request

port = int(sys.argv[1])
password_file = sys.argv[2]
m = None


def say(s):
    sys.stdout.write(s + "\n")
    sys.stdout.flush()


def password():
    with open(password_file) as f:
        for line in f:
            if line.startswith("password "):
                return line.split(None, 1)[1].strip()
    raise RuntimeError("no password in " + password_file)


def connect():
    global m
    if m is not None:
        try:
            m.close_session()
        except Exception:
            pass
        m = None
    deadline = time.time() + 60
    last = None
    while time.time() < deadline:
        try:
            m = manager.connect(host="127.0.0.1", port=port, username="admin", password=password(),
                                hostkey_verify=False, look_for_keys=False, allow_agent=False, timeout=60)
            m.raise_mode = RaiseMode.NONE
            return "CONNECTED"
        except Exception as e:
            last = e
            time.sleep(0.1)
    return "ERR cannot connect: %s" % last


def one_line(x):
    return " ".join(x.split())


def commit(path, confirmed):
    with open(path) as f:
        config = f.read()
    r = m.edit_config(target="candidate", config=config, default_operation="replace")
    if not r.ok:
        m.discard_changes()
        return "ERR edit-config: " + one_line(r.xml)[:500]
    r = m.commit(confirmed=confirmed, timeout="600" if confirmed else None)
    if not r.ok:
        m.discard_changes()
        return "ERR commit: " + one_line(r.xml)[:500]
    return "OK"


def get_config():
    r = m.get_config(source="running")
    if not r.ok:
        return "ERR get-config: " + one_line(r.xml)[:500]
    data = etree.fromstring(r.xml.encode()).find("{urn:ietf:params:xml:ns:netconf:base:1.0}data")
    return "CONFIG " + one_line(etree.tostring(data, encoding="unicode"))


for line in sys.stdin:
    w = line.split()
    if not w:
        continue
    try:
        if w[0] == "connect":
            say(connect())
        elif w[0] == "replace":
            say(commit(w[1], False))
        elif w[0] == "confirmed":
            say(commit(w[1], True))
        elif w[0] == "get-config":
            say(get_config())
        else:
            say("ERR unknown command " + w[0])
    except Exception as e:
        m = None
        say("LOST " + one_line(str(e))[:200])
