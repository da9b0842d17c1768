"""Hello and capabilities, get (state as ipmpstat shows it), filtered get, get-config,
get-schema, the YANG library; every reply and data set checked with yanglint.

Prints IF / GROUP / ADDR lines (ipmpstat -P field order) for the Java side to compare.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nclib  # noqa: E402
from nclib import check, lint, lint_reply, data_of, ok, NS, IPMP, NCM, IF  # noqa: E402

nclib.parse_args()
m = nclib.connect("admin", "admin-secret-1")

caps = list(m.server_capabilities)
for c in ["urn:ietf:params:netconf:base:1.0", "urn:ietf:params:netconf:base:1.1",
          "urn:ietf:params:netconf:capability:candidate:1.0",
          "urn:ietf:params:netconf:capability:writable-running:1.0",
          "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
          "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
          "urn:ietf:params:netconf:capability:validate:1.1",
          "urn:ietf:params:netconf:capability:notification:1.0",
          "urn:ietf:params:netconf:capability:interleave:1.0"]:
    check(c in caps, "capability %s missing from %s" % (c, caps))
check(any(c.startswith("urn:ietf:params:netconf:capability:yang-library:1.1?") for c in caps), "yang-library:1.1")
check(any(c.startswith(NCM + "?module=ietf-netconf-monitoring") for c in caps), "ietf-netconf-monitoring")
for abbrev in [":candidate", ":confirmed-commit", ":validate", ":notification", ":interleave"]:
    check(abbrev in m.server_capabilities, "ncclient does not see " + abbrev)
check(int(m.session_id) > 0, "session-id")

# the YANG 1.0 modules of the data in the hello (RFC 7950 5.6.4): the interface tree and its types
for mod in ("ietf-interfaces&revision=2014-05-08", "iana-if-type&revision=2014-05-08"):
    check(any(("?module=" + mod) in c for c in m.server_capabilities), "capability of " + mod)

# <get>: the whole data (ipmp config + state, netconf-state, yang-library)
r = ok(m.get())
lint_reply(r, "<get/>")
content, data = data_of(r)
lint("data", content, modules=("ipmpd-ipmp", "ietf-netconf-monitoring", "ietf-yang-library", "ietf-datastores",
                               "nc-notifications"))
ipmp = data.find("ip:ipmp", NS)
check(ipmp is not None, "no ipmp in get")


def t(e, path):
    x = e.find(path, NS)
    return None if x is None else x.text


# the members: interfaces of the interface tree with their IPMP state
for i in data.findall("if:interfaces/if:interface", NS):
    mem = i.find("ip:ipmp", NS)
    name = t(i, "if:name")
    print("IF %s:%s:%s:%s:%s:%s" % (name, "yes" if t(mem, "ip:active") == "true" else "no",
                                    t(mem, "ip:group"), t(mem, "ip:link-state"), t(mem, "ip:probe-state"),
                                    t(mem, "ip:state")))
    print("FLAGS %s:%s" % (name, t(mem, "ip:flags") or ""))
for g in ipmp.findall("ip:group", NS):
    gname = t(g, "ip:name")
    print("GROUP %s:%s:%s" % (gname, t(g, "ip:state"), t(g, "ip:current-fdt")))
    for d in g.findall("ip:data-address", NS):
        print("ADDR %s:%s:%s:%s" % (t(d, "ip:address"), t(d, "ip:state"), gname, t(d, "ip:hosted-on")))

# the library and monitoring data say where the module is
lib = data.find("{urn:ietf:params:xml:ns:yang:ietf-yang-library}yang-library")
check(lib is not None, "no yang-library")
mods = [mm.findtext("{urn:ietf:params:xml:ns:yang:ietf-yang-library}name")
        for mm in lib.iter("{urn:ietf:params:xml:ns:yang:ietf-yang-library}module")]
check("ipmpd-ipmp" in mods and "ietf-interfaces" in mods and "iana-if-type" in mods,
      "ipmpd, ietf-interfaces and iana-if-type in the yang library: %s" % mods)
schemas = [s.findtext("ncm:identifier", namespaces=NS) for s in data.iterfind("ncm:netconf-state/ncm:schemas/ncm:schema", NS)]
check("ipmpd-ipmp" in schemas and "ietf-inet-types" in schemas and "ietf-interfaces" in schemas
      and "iana-if-type" in schemas, "schemas: %s" % schemas)

# subtree filter: group and member states only
flt = ['<ipmp xmlns="%s"><group><name/><state/><current-fdt/></group></ipmp>' % IPMP,
       '<interfaces xmlns="%s"><interface><name/><ipmp xmlns="%s"><state/><link-state/></ipmp></interface>'
       '</interfaces>' % (IF, IPMP)]
r = ok(m.get(filter=flt))
lint_reply(r, '<get><filter type="subtree">%s</filter></get>' % "".join(flt))
content, data = data_of(r)
lint("get", content)
check("probe-statistics" not in content and "failback" not in content, "filter leaked: " + content)
check("<state>" in content and "<link-state>" in content, "filter lost nodes: " + content)

# content match: one member only
flt = ('<interfaces xmlns="%s"><interface><name>tst1</name><ipmp xmlns="%s"><state/></ipmp></interface>'
       '</interfaces>' % (IF, IPMP))
r = ok(m.get(filter=("subtree", flt)))
content, data = data_of(r)
lint("get", content)
check("tst1" in content and "tst0" not in content, "content match: " + content)

# get-config running: configuration only
r = ok(m.get_config(source="running"))
lint_reply(r, "<get-config><source><running/></source></get-config>")
content, data = data_of(r)
lint("config", content)
check("<group>" in content and "<link-state>" not in content, "get-config: " + content)

# get-schema serves the module text
r = m.get_schema("ipmpd-ipmp")
check(r.ok, "get-schema: " + r.xml)
with open(os.path.join(nclib.args.yang, "ipmpd-ipmp.yang")) as f:
    check(r.data.strip() == f.read().strip(), "get-schema text differs from yang/ipmpd-ipmp.yang")
lint_reply(r, '<get-schema xmlns="%s"><identifier>ipmpd-ipmp</identifier></get-schema>' % NCM,
           modules=("ipmpd-ipmp", "ietf-netconf", "ietf-netconf-monitoring"))
# and the modules it builds on: the interface tree and the interface types
for name in ("ietf-interfaces", "iana-if-type"):
    r = m.get_schema(name)
    check(r.ok and ("module %s {" % name) in r.data, "get-schema " + name)
r = m.get_schema("no-such-module")
nclib.expect_error(r, "invalid-value")

m.close_session()
nclib.done()
