"""NMDA (RFC 8342, 8526, 8525): get-data of running, candidate and operational with its filters
(subtree, config, origin, max-depth), the origin annotation, with-defaults on the configuration
datastores, the errors RFC 8526 asks for, and the YANG library listing the three datastores.
Every reply and every data set checked with yanglint.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nclib  # noqa: E402
from nclib import check, lint, lint_reply, expect_error, NS, IPMP, BASE  # noqa: E402
from lxml import etree  # noqa: E402

NMDA = "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda"
DS = "urn:ietf:params:xml:ns:yang:ietf-datastores"
OR = "urn:ietf:params:xml:ns:yang:ietf-origin"
YL = "urn:ietf:params:xml:ns:yang:ietf-yang-library"
RPC_MODULES = ("ipmpd-ipmp", "ietf-netconf", "ietf-netconf-nmda", "ietf-datastores", "ietf-origin")
STATE_MODULES = ("ipmpd-ipmp", "ietf-netconf-monitoring", "ietf-yang-library", "ietf-datastores", "ietf-origin",
                 "nc-notifications")
nclib.parse_args()
m = nclib.connect("admin", "admin-secret-1")


def get_data(datastore, extra=""):
    op = ('<get-data xmlns="%s" xmlns:ds="%s" xmlns:or="%s"><datastore>ds:%s</datastore>%s</get-data>'
          % (NMDA, DS, OR, datastore, extra))
    r = m.dispatch(etree.fromstring(op))
    return r, op


def data(datastore, extra="", kind=None):
    r, op = get_data(datastore, extra)
    check(r.ok, "get-data %s %s: %s" % (datastore, extra, r.xml))
    lint_reply(r, op, modules=RPC_MODULES)
    d = etree.fromstring(r.xml.encode()).find("{%s}data" % NMDA)
    check(d is not None, "no nmda:data in " + r.xml)
    content = "".join(etree.tostring(c).decode() for c in d)
    if content:
        # a selection (filters, max-depth) may leave out mandatory nodes: yanglint's get / getconfig
        selected = any(p in extra for p in ("filter", "max-depth"))
        if kind is None:
            kind = ("getconfig" if selected else "config") if datastore != "operational" else \
                ("get" if selected else "data")
        lint(kind, content,
             modules=("ipmpd-ipmp",) if datastore != "operational" else STATE_MODULES)
    return d


def ipmp(d):
    return d.find("ip:ipmp", NS)


def text(e, path):
    x = e.find(path, NS)
    return None if x is None else x.text


TST0 = "if:interfaces/if:interface[if:name='tst0']/"


def tst0(d):
    """tst0's IPMP container in the interface tree of a data set."""
    return d.find(TST0 + "ip:ipmp", NS)


# running: the configuration only
rd = data("running")
r = ipmp(rd)
check(text(r, "ip:failure-detection-time") == "700", "running fdt")
check(text(tst0(rd), "ip:group") == "g0" and text(tst0(rd), "ip:link-state") is None, "no state in running")
check(text(r, "ip:failback") == "true", "running report-all")
r = ipmp(data("running", '<with-defaults>trim</with-defaults>'))
check(text(r, "ip:failback") is None and text(r, "ip:failure-detection-time") == "700", "running trimmed")

# candidate: what was edited, before the commit
nclib.ok(m.edit_config(target="candidate", config='<config xmlns="%s"><ipmp xmlns="%s"><failure-detection-time>'
                       '900</failure-detection-time></ipmp></config>' % (BASE, IPMP)))
check(text(ipmp(data("candidate")), "ip:failure-detection-time") == "900", "candidate shows the edit")
check(text(ipmp(data("running")), "ip:failure-detection-time") == "700", "running does not")
nclib.ok(m.discard_changes())

# operational: configuration and state, the monitoring data and the YANG library
d = data("operational")
o = ipmp(d)
check(text(tst0(d), "ip:link-state") == "up" and text(o, "ip:failure-detection-time") == "700", "operational")
check(text(tst0(d), "ip:failure-count") == "0", "failure accounting in operational")
lib = d.find("{%s}yang-library" % YL)
check(lib is not None, "operational holds the YANG library")
names = sorted(x.text for x in lib.iterfind("{%s}datastore/{%s}name" % (YL, YL)))
check(len(names) == 3 and all(n.endswith(":" + w) for n, w in zip(names, ["candidate", "operational", "running"])),
      "datastores in the YANG library: %s" % names)
mods = {x.findtext("{%s}name" % YL): [f.text for f in x.iterfind("{%s}feature" % YL)]
        for x in lib.iterfind("{%s}module-set/{%s}module" % (YL, YL))}
check(sorted(mods.get("ietf-netconf-nmda", [])) == ["origin", "with-defaults"], "nmda module: %s" % mods)
check("ietf-origin" in mods, "ietf-origin implemented: %s" % mods)

# config-filter
d = data("operational", "<config-filter>false</config-filter>")
o = ipmp(d)
check(text(tst0(d), "ip:link-state") == "up" and text(o, "ip:failback") is None, "state only")
check(text(d, TST0 + "if:name") == "tst0" and text(tst0(d), "ip:group") is None, "keys stay, config goes")
d = data("operational", "<config-filter>true</config-filter>")
o = ipmp(d)
check(text(tst0(d), "ip:link-state") is None and text(o, "ip:failback") == "true", "configuration only")
check(d.find("{urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring}netconf-state") is None, "no state tree")

# origin: intended, inherited; default on the leaves that hold it unset
o = ipmp(data("operational", "<with-origin/>"))
orig = "{%s}origin" % OR
check(o.get(orig) == "or:intended", "ipmp origin: %s" % o.get(orig))
check(o.find("ip:failback", NS).get(orig) == "or:default", "failback origin")
check(o.find("ip:failure-detection-time", NS).get(orig) is None, "fdt inherits intended")
d = data("operational", "<origin-filter>or:default</origin-filter>")
o = ipmp(d)
check(text(o, "ip:failback") == "true" and text(o, "ip:failure-detection-time") is None, "origin-filter default")
check(text(tst0(d), "ip:link-state") == "up", "state is not filtered by origin")
o = ipmp(data("operational", "<negated-origin-filter>or:default</negated-origin-filter>"))
check(text(o, "ip:failback") is None and text(o, "ip:failure-detection-time") == "700", "negated origin-filter")

# subtree filter and max-depth
flt = '<subtree-filter><ipmp xmlns="%s"><group><name/><state/></group></ipmp></subtree-filter>' % IPMP
d = data("operational", flt)
check(text(ipmp(d), "ip:group[ip:name='g0']/ip:state") is not None and text(ipmp(d), "ip:failback") is None
      and d.find("{%s}yang-library" % YL) is None, "subtree-filter")
d = data("running", "<max-depth>1</max-depth>")
check(ipmp(d) is not None and len(ipmp(d)) == 0, "max-depth 1: the top node alone")
d = data("running", "<max-depth>2</max-depth>")
g = ipmp(d).find("ip:group", NS)
check(text(ipmp(d), "ip:failback") == "true" and g is not None and [c.tag for c in g] == ["{%s}name" % IPMP],
      "max-depth 2: list entries keep their keys only")

# errors (RFC 8526): unknown datastore, with-origin off operational, with-defaults on operational
r, op = get_data("intended")
expect_error(r, "invalid-value")
r, op = get_data("running", "<with-origin/>")
expect_error(r, "invalid-value")
r, op = get_data("operational", '<with-defaults>trim</with-defaults>')
expect_error(r, "invalid-value")
m.close_session()
nclib.done()
