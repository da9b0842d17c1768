"""RFC 5277 notifications: two subscriptions (one unfiltered, one filtered to address-moved);
prints SUBSCRIBED, then the Java side pulls tst0's cable; every notification is checked with
yanglint -t nc-notif; RPCs keep working on a subscribed session (interleave)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nclib  # noqa: E402
from nclib import check, lint, ok, IPMP  # noqa: E402

nclib.parse_args()
m = nclib.connect("viewer", "viewer-secret-1")
r = ok(m.create_subscription())
nclib.lint_reply(r, '<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"/>',
                 modules=("ipmpd-ipmp", "ietf-netconf", "notifications"))
m2 = nclib.connect("admin", "admin-secret-1")
flt = '<address-moved xmlns="%s"/>' % IPMP
ok(m2.create_subscription(filter=("subtree", flt)))
nclib.expect_error(m2.create_subscription(), "in-use")
print("SUBSCRIBED", flush=True)

want = {"link-down", "interface-failed", "address-moved", "group-state-changed"}
seen = {}
deadline = time.monotonic() + 10
while not want <= set(seen) and time.monotonic() < deadline:
    n = m.take_notification(timeout=1)
    if n is None:
        continue
    xml = n.notification_xml
    lint("nc-notif", xml, modules=("ipmpd-ipmp", "ietf-netconf-notifications"))
    root = nclib.etree.fromstring(xml.encode())
    body = [c for c in root if c.tag.startswith("{%s}" % IPMP)]
    if not body:
        continue  # the server's own (RFC 6470: the second session's start)
    body = body[0]
    name = body.tag.split("}")[1]
    seen[name] = {c.tag.split("}")[1]: c.text for c in body}
    for c in body:
        if c.tag == "{%s}detection" % IPMP:  # an identityref: its prefix must name the module
            check(c.nsmap.get(c.text.split(":")[0]) == IPMP, "detection prefix: %s %s" % (c.text, c.nsmap))
check(want <= set(seen), "notifications seen: %s" % sorted(seen))
check(seen["interface-failed"] == {"interface": "tst0", "group": "g0", "detection": "ipmp:link"}, seen["interface-failed"])
check(seen["link-down"] == {"interface": "tst0", "group": "g0"}, seen["link-down"])
am = seen["address-moved"]
check(am["address"] == "192.0.2.10" and am["from-interface"] == "tst0" and am["to-interface"] == "tst1"
      and am["reason"] == "failover" and am["group"] == "g0", am)
gs = seen["group-state-changed"]
check(gs["old-state"] == "ok" and gs["new-state"] == "degraded" and gs["reason"] == "degraded", gs)
# interleave: the subscribed session still answers RPCs
ok(m.get_config(source="running"))

# the filtered subscription gets address-moved only
n = m2.take_notification(timeout=5)
check(n is not None, "filtered subscription got nothing")
lint("nc-notif", n.notification_xml)
check("address-moved" in n.notification_xml, n.notification_xml)
while True:
    n = m2.take_notification(timeout=0.5)
    if n is None:
        break
    check("address-moved" in n.notification_xml, "filter let through: " + n.notification_xml)
m.close_session()
m2.close_session()
nclib.done()
