"""NETCONF request latencies for NetconfBench, with ncclient (Debian python3-ncclient; run it
with /usr/bin/python3).

One session, kept open (ncclient's send-queue poll tick lowered from 100 ms to 1 ms, see below):
after a warm-up, GETS unfiltered <get> requests (the whole state), GETS <get-data> of the
operational datastore (RFC 8526: the same state, NMDA), then EDITS pairs of <edit-config> on the candidate (one member's standby, alternately true and false)
and <commit>, each request timed on its own (time.perf_counter around the ncclient call, which
returns when the reply is parsed). Prints

    INFO reply-bytes=N members=M
    GET ms ms ...
    GETDATA ms ms ...
    EDIT ms ms ...
    COMMIT ms ms ...
    OK

and exits non-zero with the reason on stderr when a request fails.
"""
import argparse
import sys
import time

from lxml import etree
from ncclient import manager
from ncclient.operations import RaiseMode
import ncclient.transport.ssh as nc_ssh

# ncclient's session thread looks at its send queue only when its select() on the channel returns,
# at the latest every TICK (0.1 s): that would add up to 100 ms to every request here. 1 ms instead.
nc_ssh.TICK = 0.001

BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"
IPMP = "urn:ipmpd:yang:ipmpd-ipmp"
IF = "urn:ietf:params:xml:ns:yang:ietf-interfaces"

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--user", required=True)
p.add_argument("--password-file", required=True)
p.add_argument("--group", required=True)
p.add_argument("--member", required=True)
p.add_argument("--gets", type=int, default=100)
p.add_argument("--edits", type=int, default=100)
a = p.parse_args()

password = None
with open(a.password_file) as f:
    for line in f:
        if line.startswith("password "):
            password = line.split(None, 1)[1].strip()
if not password:
    sys.exit("no password in " + a.password_file)

m = manager.connect(host="127.0.0.1", port=a.port, username=a.user, password=password, hostkey_verify=False,
                    look_for_keys=False, allow_agent=False, timeout=120)
m.raise_mode = RaiseMode.NONE


def need(reply, what):
    if not reply.ok:
        sys.exit("%s failed: %s" % (what, reply.xml[:2000]))
    return reply


def standby(value):
    return ('<config xmlns="%s"><interfaces xmlns="%s"><interface><name>%s</name><ipmp xmlns="%s">'
            '<standby>%s</standby></ipmp></interface></interfaces></config>' % (BASE, IF, a.member, IPMP, value))


def timed(call):
    t = time.perf_counter()
    r = call()
    return r, (time.perf_counter() - t) * 1000.0


# warm-up, and what the whole state holds
for _ in range(5):
    r = need(m.get(), "get")
root = etree.fromstring(r.xml.encode())
members = len(root.findall(".//{%s}interface/{%s}ipmp" % (IF, IPMP)))
print("INFO reply-bytes=%d members=%d" % (len(r.xml.encode()), members), flush=True)
for v in ("true", "false"):
    need(m.edit_config(target="candidate", config=standby(v)), "edit-config")
    need(m.commit(), "commit")

gets = []
for _ in range(a.gets):
    r, ms = timed(lambda: m.get())
    need(r, "get")
    gets.append(ms)

GET_DATA = ('<get-data xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-nmda" '
            'xmlns:ds="urn:ietf:params:xml:ns:yang:ietf-datastores"><datastore>ds:operational</datastore></get-data>')
r = need(m.dispatch(etree.fromstring(GET_DATA)), "get-data")
if "<link-state>" not in r.xml.replace("ipmp:", ""):
    sys.exit("get-data of operational holds no member: " + r.xml[:2000])
getdata = []
for _ in range(a.gets):
    r, ms = timed(lambda: m.dispatch(etree.fromstring(GET_DATA)))
    need(r, "get-data")
    getdata.append(ms)

edits = []
commits = []
for i in range(a.edits):
    v = "true" if i % 2 == 0 else "false"
    r, ms = timed(lambda: m.edit_config(target="candidate", config=standby(v)))
    need(r, "edit-config")
    edits.append(ms)
    r, ms = timed(lambda: m.commit())
    need(r, "commit")
    commits.append(ms)

# the edits took effect: standby true in running after a commit, then back to false
need(m.edit_config(target="candidate", config=standby("true")), "edit-config")
need(m.commit(), "commit")
flt = ('<interfaces xmlns="%s"><interface><name>%s</name><ipmp xmlns="%s"><standby/></ipmp></interface>'
       '</interfaces>' % (IF, a.member, IPMP))
r = need(m.get_config(source="running", filter=("subtree", flt)), "get-config")
if "<standby>true</standby>" not in r.xml.replace("ipmp:", ""):
    sys.exit("standby not true in running after commit: " + r.xml[:2000])
need(m.edit_config(target="candidate", config=standby("false")), "edit-config")
need(m.commit(), "commit")

print("GET " + " ".join("%.3f" % x for x in gets))
print("GETDATA " + " ".join("%.3f" % x for x in getdata))
print("EDIT " + " ".join("%.3f" % x for x in edits))
print("COMMIT " + " ".join("%.3f" % x for x in commits))
m.close_session()
print("OK", flush=True)
