"""RFC 6243 with-defaults: every mode on running, on the candidate and on get; every reply
checked with yanglint (tagged leaves carry wd:default).

The fixture's running configuration: failure-detection-time 700 and probe-quiet-period 0 (not the
defaults 10000 and 40000), failback and track-interfaces-only-with-groups true (the defaults),
members tst0 and tst1 neither standby nor offline (the defaults).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nclib  # noqa: E402
from nclib import check, lint, lint_reply, data_of, ok, NS, IPMP  # noqa: E402
from lxml import etree  # noqa: E402

WD = "urn:ietf:params:xml:ns:netconf:default:1.0"
WDP = "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults"
MODULES = ("ipmpd-ipmp", "ietf-netconf", "ietf-netconf-with-defaults")
nclib.parse_args()
m = nclib.connect("admin", "admin-secret-1")

cap = [c for c in m.server_capabilities if c.startswith("urn:ietf:params:netconf:capability:with-defaults:1.0")]
check(len(cap) == 1, "with-defaults capability: %s" % cap)
check("basic-mode=report-all" in cap[0], cap[0])
for mode in ("report-all-tagged", "trim", "explicit"):
    check(mode in cap[0].split("also-supported=")[1], "%s not in also-supported: %s" % (mode, cap[0]))


def get_config(source, mode):
    r = ok(m.get_config(source=source, with_defaults=mode))
    op = "<get-config><source><%s/></source>%s</get-config>" % (
        source, "" if mode is None else '<with-defaults xmlns="%s">%s</with-defaults>' % (WDP, mode))
    lint_reply(r, op, modules=MODULES)
    lint_content(r, "config")
    return data_of(r)[1]


def lint_content(r, kind):
    """The data itself with yanglint; Debian's libyang knows no wd:default annotation, so the tags
    (checked one by one below) are taken off first."""
    data = etree.fromstring(r.xml.encode()).find("nc:data", NS)
    for e in data.iter():
        e.attrib.pop("{%s}default" % WD, None)
    etree.cleanup_namespaces(data, keep_ns_prefixes=["ianaift"])  # the prefix of the interface types
    lint(kind, "".join(etree.tostring(c).decode() for c in data), modules=("ipmpd-ipmp",))


def leaf(ipmp, path):
    e = ipmp.find(path, NS)
    return None if e is None else (e.text, e.get("{%s}default" % WD))


IF0 = "if:interfaces/if:interface[if:name='tst0']/"
TST0 = IF0 + "ip:ipmp/"

# --- running
for mode in (None, "report-all"):
    r = get_config("running", mode)
    check(leaf(r, "ip:ipmp/ip:failback") == ("true", None), "report-all failback: %s" % (leaf(r, "ip:ipmp/ip:failback"),))
    check(leaf(r, TST0 + "ip:standby") == ("false", None), "report-all standby")
    check(leaf(r, "ip:ipmp/ip:failure-detection-time") == ("700", None), "report-all fdt")
for mode in ("trim", "explicit"):
    r = get_config("running", mode)
    check(leaf(r, "ip:ipmp/ip:failback") is None, mode + ": failback holds its default: not reported")
    check(leaf(r, TST0 + "ip:standby") is None and leaf(r, TST0 + "ip:offline") is None, mode + " standby/offline")
    check(leaf(r, "ip:ipmp/ip:failure-detection-time") == ("700", None), mode + " fdt")
    check(leaf(r, "ip:ipmp/ip:probe-quiet-period") == ("0", None), mode + " quiet period")
    check(leaf(r, IF0 + "if:name") == ("tst0", None), mode + " keys stay")
    check(leaf(r, TST0 + "ip:group") == ("g0", None), mode + " the group stays")
r = get_config("running", "report-all-tagged")
check(leaf(r, "ip:ipmp/ip:failback") == ("true", "true"), "tagged failback: %s" % (leaf(r, "ip:ipmp/ip:failback"),))
check(leaf(r, "ip:ipmp/ip:track-interfaces-only-with-groups") == ("true", "true"), "tagged track")
check(leaf(r, TST0 + "ip:standby") == ("false", "true"), "tagged standby")
check(leaf(r, "ip:ipmp/ip:failure-detection-time") == ("700", None), "fdt is not default data")
check(leaf(r, IF0 + "if:enabled") == ("true", "true"), "tagged enabled (ietf-interfaces' default)")

# --- the candidate: a new group whose member says nothing of standby, failback set to its default
ok(m.edit_config(target="candidate", config=(
    '<config xmlns="%s"><ipmp xmlns="%s"><failback>true</failback><group><name>g1</name></group></ipmp>'
    '<interfaces xmlns="%s"><interface><name>tst2</name>'
    '<type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type>'
    '<ipmp xmlns="%s"><group>g1</group></ipmp></interface></interfaces></config>')
    % (nclib.BASE, IPMP, nclib.IF, IPMP)))
IF2 = "if:interfaces/if:interface[if:name='tst2']/"
TST2 = IF2 + "ip:ipmp/"
for mode in (None, "report-all"):
    c = get_config("candidate", mode)
    check(leaf(c, TST2 + "ip:standby") == ("false", None), "candidate report-all: the new member's standby: %s"
          % (leaf(c, TST2 + "ip:standby"),))
    check(leaf(c, TST2 + "ip:offline") == ("false", None), "candidate report-all: offline")
    check(leaf(c, "ip:ipmp/ip:track-interfaces-only-with-groups") == ("true", None), "candidate report-all: track")
c = get_config("candidate", "explicit")
check(leaf(c, "ip:ipmp/ip:failback") == ("true", None), "explicit: failback was set by the client (to its default)")
check(leaf(c, TST2 + "ip:standby") is None, "explicit: standby was set by nobody")
check(leaf(c, "ip:ipmp/ip:track-interfaces-only-with-groups") is None, "explicit: track was set by nobody")
check(leaf(c, "ip:ipmp/ip:failure-detection-time") == ("700", None), "explicit: fdt")
c = get_config("candidate", "trim")
check(leaf(c, "ip:ipmp/ip:failback") is None and leaf(c, TST2 + "ip:standby") is None, "trim on the candidate")
check(leaf(c, IF2 + "if:name") == ("tst2", None) and leaf(c, TST2 + "ip:group") == ("g1", None),
      "trim keeps the member")
c = get_config("candidate", "report-all-tagged")
check(leaf(c, "ip:ipmp/ip:failback") == ("true", "true"), "tagged on the candidate: failback")
check(leaf(c, TST2 + "ip:standby") == ("false", "true"), "tagged on the candidate: standby")
check(leaf(c, "ip:ipmp/ip:failure-detection-time") == ("700", None), "tagged on the candidate: fdt")
# a filter selects after the defaults are applied
r = ok(m.get_config(source="candidate", with_defaults="report-all",
                    filter=("subtree", '<interfaces xmlns="%s"><interface><name>tst2</name><ipmp xmlns="%s">'
                            '<group/></ipmp></interface></interfaces>' % (nclib.IF, IPMP))))
f = data_of(r)[1]
check(leaf(f, IF2 + "if:name") == ("tst2", None) and leaf(f, TST2 + "ip:group") == ("g1", None)
      and leaf(f, TST2 + "ip:standby") is None,
      "the filter keeps only the names: %s" % r.xml)
ok(m.discard_changes())

# --- get: the state with the configuration
for mode, fb in (("trim", None), ("explicit", None), ("report-all", ("true", None)),
                 ("report-all-tagged", ("true", "true"))):
    flt = '<ipmp xmlns="%s"/><interfaces xmlns="%s"/>' % (IPMP, nclib.IF)
    r = ok(m.get(filter=['<ipmp xmlns="%s"/>' % IPMP, '<interfaces xmlns="%s"/>' % nclib.IF], with_defaults=mode))
    lint_reply(r, '<get><filter type="subtree">%s</filter>'
                  '<with-defaults xmlns="%s">%s</with-defaults></get>' % (flt, WDP, mode), modules=MODULES)
    lint_content(r, "data")
    g = data_of(r)[1]
    check(leaf(g, "ip:ipmp/ip:failback") == fb, "get %s: failback %s" % (mode, leaf(g, "ip:ipmp/ip:failback")))
    check(leaf(g, TST0 + "ip:state") is not None, "get %s: the state is there" % mode)
m.close_session()
nclib.done()
