"""RFC 6470 base notifications on the NETCONF stream (session start and end, configuration change,
confirmed commit), the stream in /netconf/streams (RFC 5277), and replay of the kept history
with startTime and stopTime (replayComplete, notificationComplete). Every notification and data
set checked with yanglint."""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nclib  # noqa: E402
from nclib import check, lint, ok, expect_error, IPMP, BASE  # noqa: E402
from lxml import etree  # noqa: E402

NCN = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
NETMOD = "urn:ietf:params:xml:ns:netmod:notification"
NOTIF_MODULES = ("ipmpd-ipmp", "ietf-netconf-notifications", "nc-notifications")
nclib.parse_args()


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse(n):
    """(name, {leaf: text}, root) of a notification, after yanglint has checked it."""
    xml = n.notification_xml
    # the edits' targets (/if:interfaces, /ipmp:ipmp) are instance-identifiers: yanglint wants the instances
    lint("nc-notif", xml, modules=NOTIF_MODULES,
         operational='<interfaces xmlns="%s"/><ipmp xmlns="%s"/>' % (nclib.IF, IPMP))
    root = etree.fromstring(xml.encode())
    body = [c for c in root if not c.tag.endswith("}eventTime")][0]
    leaves = {}
    for e in body.iter():
        if len(e) == 0 and e is not body:
            leaves[e.tag.split("}")[1]] = e.text
    return body.tag.split("}")[1], leaves, body


def take(m, name, timeout=10, pred=None):
    """The next notification called name (others skipped); fails after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = m.take_notification(timeout=0.5)
        if n is None:
            continue
        got, leaves, body = parse(n)
        if got == name and (pred is None or pred(leaves)):
            return leaves, body
    raise AssertionError("no %s notification within %s s" % (name, timeout))


t0 = now()
time.sleep(0.05)
w = nclib.connect("admin", "admin-secret-1")
ok(w.create_subscription())

# session start and end
v = nclib.connect("viewer", "viewer-secret-1")
s, _ = take(w, "netconf-session-start", pred=lambda x: x.get("username") == "viewer")
check(s["session-id"] == v.session_id and s["source-host"] == "127.0.0.1", "session-start: %s" % s)
v.close_session()
e, _ = take(w, "netconf-session-end", pred=lambda x: x.get("username") == "viewer")
check(e["termination-reason"] == "closed" and e["session-id"] == s["session-id"], "session-end: %s" % e)
time.sleep(0.3)
t1 = now()
time.sleep(0.3)

# a change of running through edit-config
a = nclib.connect("admin", "admin-secret-1")
ok(a.edit_config(target="running", config='<config xmlns="%s"><ipmp xmlns="%s"><failure-detection-time>800'
                 '</failure-detection-time></ipmp></config>' % (BASE, IPMP)))
c, body = take(w, "netconf-config-change")
check(c["username"] == "admin" and c["session-id"] == a.session_id and c["datastore"] == "running"
      and c["operation"] == "merge", "config-change: %s" % c)
targets = [e.text for e in body.iter("{%s}target" % NCN)]
check(targets == ["/if:interfaces", "/ipmp:ipmp"], "config-change edits both trees: %s" % targets)

# a confirmed commit: start, then complete; another one: start, then cancel
ok(a.edit_config(target="candidate", config='<config xmlns="%s"><ipmp xmlns="%s"><failure-detection-time>900'
                 '</failure-detection-time></ipmp></config>' % (BASE, IPMP)))
ok(a.commit(confirmed=True, timeout="60"))
c, _ = take(w, "netconf-config-change")
check(c["operation"] == "replace", "commit: %s" % c)
cc, _ = take(w, "netconf-confirmed-commit")
check(cc["confirm-event"] == "start" and cc["timeout"] == "60" and cc["username"] == "admin", "start: %s" % cc)
ok(a.commit())
cc, _ = take(w, "netconf-confirmed-commit")
check(cc["confirm-event"] == "complete" and "timeout" not in cc, "complete: %s" % cc)
ok(a.edit_config(target="candidate", config='<config xmlns="%s"><ipmp xmlns="%s"><failure-detection-time>1000'
                 '</failure-detection-time></ipmp></config>' % (BASE, IPMP)))
ok(a.commit(confirmed=True, timeout="60"))
take(w, "netconf-confirmed-commit", pred=lambda x: x["confirm-event"] == "start")
ok(a.cancel_commit())
cc, _ = take(w, "netconf-confirmed-commit", pred=lambda x: x["confirm-event"] != "start")
check(cc["confirm-event"] == "cancel" and cc["session-id"] == a.session_id, "cancel: %s" % cc)

# kill-session: killed, and by whom
k = nclib.connect("admin", "admin-secret-1")
ok(a.kill_session(k.session_id))
e, _ = take(w, "netconf-session-end", pred=lambda x: x["session-id"] == k.session_id)
check(e["termination-reason"] == "killed" and e["killed-by"] == a.session_id, "killed: %s" % e)

# the stream is listed, with replay
r = ok(w.get(filter=("subtree", '<netconf xmlns="%s"/>' % NETMOD)))
content, data = nclib.data_of(r)
lint("data", content, modules=("nc-notifications",))
st = data.find("{%s}netconf/{%s}streams/{%s}stream" % (NETMOD, NETMOD, NETMOD))
check(st is not None and st.findtext("{%s}name" % NETMOD) == "NETCONF", "stream: " + content)
check(st.findtext("{%s}replaySupport" % NETMOD) == "true" and st.find("{%s}replayLogCreationTime" % NETMOD)
      is not None, "replay: " + content)

# replay from before the viewer's session: its start and end, the changes, then replayComplete; live after
p = nclib.connect("admin", "admin-secret-1")
ok(p.create_subscription(start_time=t0))
names = []
while "replayComplete" not in names:
    n = p.take_notification(timeout=10)
    check(n is not None, "replay stopped after %s" % names)
    names.append(parse(n)[0])
check(names.index("netconf-session-start") < names.index("netconf-config-change")
      < names.index("netconf-confirmed-commit") < names.index("replayComplete"), "replay order: %s" % names)
ok(a.edit_config(target="running", config='<config xmlns="%s"><ipmp xmlns="%s"><failure-detection-time>700'
                 '</failure-detection-time></ipmp></config>' % (BASE, IPMP)))
take(p, "netconf-config-change", pred=lambda x: x["session-id"] == a.session_id)

# startTime and stopTime in the past: only what happened in between, then both completions
q = nclib.connect("admin", "admin-secret-1")
ok(q.create_subscription(start_time=t0, stop_time=t1))
names = []
while "notificationComplete" not in names:
    n = q.take_notification(timeout=10)
    check(n is not None, "no notificationComplete after %s" % names)
    names.append(parse(n)[0])
check("netconf-session-end" in names and "netconf-config-change" not in names, "window: %s" % names)
check(names[-2:] == ["replayComplete", "notificationComplete"], "completions: %s" % names)
ok(q.create_subscription())  # the ended subscription makes room for another

# bad times
x = nclib.connect("admin", "admin-secret-1")
expect_error(x.create_subscription(start_time="2999-01-01T00:00:00Z"), "bad-element")
expect_error(x.create_subscription(start_time=t1, stop_time=t0), "bad-element")
for s in (w, a, p, q, x):
    s.close_session()
nclib.done()
