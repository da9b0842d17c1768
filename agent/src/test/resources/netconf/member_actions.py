"""A group provisioned from scratch through the interface tree (candidate, commit), the failure accounting of a member in the
operational state after a link failure, and the member actions (RFC 7950 7.15.2 <action>):
take-offline and undo-offline with their errors. Every request, reply and data set checked with
yanglint. The caller takes tst2's link down on PROVISIONED and up again on FAILURE_SEEN."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nclib  # noqa: E402
from nclib import check, lint, lint_reply, ok, expect_error, IPMP, BASE  # noqa: E402
from lxml import etree  # noqa: E402

NMDA = "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda"
DS = "urn:ietf:params:xml:ns:yang:ietf-datastores"
YANG1 = "urn:ietf:params:xml:ns:yang:1"
IF = "urn:ietf:params:xml:ns:yang:ietf-interfaces"
NS = {"ip": IPMP, "if": IF}

nclib.parse_args()
m = nclib.connect("admin", "admin-secret-1")

# a group from scratch: two members in the interface tree, a test address each, a data address, a probe
# target
MEMBER = ('<interface><name>%s</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">'
          'ianaift:ethernetCsmacd</type><ipmp xmlns="' + IPMP + '"><group>g1</group><test-address>'
          '<address>%s</address><prefix-length>24</prefix-length></test-address></ipmp></interface>')
IFS = '<interfaces xmlns="%s">%s%s</interfaces>' % (IF, MEMBER % ("tst2", "198.51.100.12"),
                                                     MEMBER % ("tst3", "198.51.100.13"))
G1 = ('<ipmp xmlns="%s"><group><name>g1</name>'
      "<data-address><address>198.51.100.50</address><prefix-length>24</prefix-length>"
      "<home-member>tst2</home-member></data-address>"
      "<probe-target><address>198.51.100.1</address></probe-target></group></ipmp>" % IPMP)
CFG = '<config xmlns="%s">%s%s</config>' % (BASE, IFS, G1)
ok(m.edit_config(target="candidate", config=CFG))
ok(m.commit(), "<commit/>")
# running has both members in the interface tree, and their group
r = ok(m.get_config(source="running"))
content, running = nclib.data_of(r)
lint("config", content)
check(running.xpath("count(if:interfaces/if:interface[if:name='tst3']/ip:ipmp[ip:group='g1'])",
                    namespaces=NS) == 1, "tst3 in g1 in running: " + content)


def operational():
    op = ('<get-data xmlns="%s" xmlns:ds="%s"><datastore>ds:operational</datastore>'
          '<subtree-filter><interfaces xmlns="%s"/><ipmp xmlns="%s"><group><name>g1</name></group></ipmp>'
          '</subtree-filter></get-data>' % (NMDA, DS, IF, IPMP))
    r = m.dispatch(etree.fromstring(op))
    check(r.ok, "get-data operational: " + r.xml)
    d = etree.fromstring(r.xml.encode()).find("{%s}data" % NMDA)
    content = "".join(etree.tostring(c).decode() for c in d)
    return d, content


def leaf(d, member, name):
    found = d.xpath("if:interfaces/if:interface[if:name='%s']/ip:ipmp/ip:%s" % (member, name), namespaces=NS)
    return found[0] if found else None


def text(d, member, name):
    e = leaf(d, member, name)
    return None if e is None else e.text


def await_state(what, cond, timeout=90):
    deadline = time.time() + timeout
    while True:
        d, content = operational()
        if cond(d):
            return d, content
        check(time.time() < deadline, "timed out waiting for " + what + ": " + content)
        time.sleep(0.2)


d, content = await_state("g1 members ok", lambda d: text(d, "tst2", "state") == "ok"
                         and text(d, "tst3", "state") == "ok")
lint("get", content)
# no failure yet: a zero count and no last failure
check(text(d, "tst2", "failure-count") == "0" and leaf(d, "tst2", "last-failure") is None
      and leaf(d, "tst2", "last-failure-cause") is None, "no failure accounted yet: " + content)
print("PROVISIONED", flush=True)

# tst2's link goes down (the caller does it): one failure, when, and detected by link
d, content = await_state("tst2 failed", lambda d: text(d, "tst2", "state") == "failed"
                         and text(d, "tst2", "failure-count") == "1")
lint("get", content)
cause = leaf(d, "tst2", "last-failure-cause")
check(cause is not None, "last-failure-cause: " + content)
prefix, _, ident = cause.text.partition(":")
check(cause.nsmap.get(prefix) == IPMP and ident == "link", "cause is ipmp:link: " + content)
check(text(d, "tst2", "last-failure") is not None and text(d, "tst2", "last-failure").endswith("Z"),
      "last-failure: " + content)
check(text(d, "tst3", "failure-count") == "0", "tst3 did not fail: " + content)
print("FAILURE_SEEN", flush=True)

# repaired (the caller brings the link up): the count stays
d, content = await_state("tst2 repaired", lambda d: text(d, "tst2", "state") == "ok")
check(text(d, "tst2", "failure-count") == "1", "the count survives the repair: " + content)


def action(member, body):
    return ('<action xmlns="%s"><interfaces xmlns="%s"><interface><name>%s</name><ipmp xmlns="%s">%s'
            '</ipmp></interface></interfaces></action>' % (YANG1, IF, member, IPMP, body))


def invoke(xml):
    lint("nc-rpc", '<rpc xmlns="%s" message-id="lint">%s</rpc>' % (BASE, xml), modules=("ipmpd-ipmp", "ietf-netconf"))
    return m.dispatch(etree.fromstring(xml))


OFF = "<take-offline/>"
UNDO = "<undo-offline/>"
ok(invoke(action("tst3", OFF)), action("tst3", OFF))
d, content = operational()
check(text(d, "tst3", "state") == "offline" and text(d, "tst3", "offline") == "false",
      "take-offline is a run-time offline: " + content)
e = expect_error(invoke(action("tst2", OFF)), "operation-failed", "minimum-redundancy",
                 "if:interface[if:name='tst2']/ipmp:ipmp", op_xml=action("tst2", OFF))
check(e.message == "cannot offline tst2: no other functioning interfaces are in its IPMP group", e.message)
expect_error(invoke(action("tst3", OFF)), "operation-failed", "already-offline",
             op_xml=action("tst3", OFF))
ok(invoke(action("tst3", UNDO)), action("tst3", UNDO))
d, content = await_state("tst3 back", lambda d: text(d, "tst3", "state") == "ok")
expect_error(invoke(action("tst3", UNDO)), "operation-failed", "not-offline",
             op_xml=action("tst3", UNDO))
# an interface that is no member (tst9 is nowhere): no such instance
expect_error(invoke(action("tst9", OFF)), "data-missing", None, "if:interface[if:name='tst9']")
# not an action of the member; two actions at once
r = m.dispatch(etree.fromstring(action("tst3", "<reboot/>")))
expect_error(r, "unknown-element")
r = m.dispatch(etree.fromstring(action("tst3", OFF + UNDO)))
expect_error(r, "invalid-value")
m.close_session()
nclib.done()
