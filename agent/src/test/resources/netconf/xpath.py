""":xpath filters (RFC 6241 8.9) on get, get-config, get-data and subscriptions: the selected
nodes with their ancestors and list keys, prefixes from the request, several top-level trees,
an expression that selects no nodes refused. Every reply checked with yanglint."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nclib  # noqa: E402
from nclib import check, lint, lint_reply, data_of, ok, expect_error, NS, IPMP, NCM  # noqa: E402
from lxml import etree  # noqa: E402

NMDA = "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda"
DS = "urn:ietf:params:xml:ns:yang:ietf-datastores"
NCN = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
nclib.parse_args()
m = nclib.connect("admin", "admin-secret-1")
check("urn:ietf:params:netconf:capability:xpath:1.0" in m.server_capabilities, "no :xpath capability")
check(":xpath" in m.server_capabilities, "ncclient does not see :xpath")


def xget(select, nsmap, config=False):
    f = ("xpath", (nsmap, select))
    r = ok(m.get_config(source="running", filter=f) if config else m.get(filter=f))
    ns = "".join(' xmlns:%s="%s"' % kv for kv in nsmap.items())
    op = '<%s>%s<filter type="xpath"%s select="%s"/></%s>' % (
        "get-config" if config else "get", "<source><running/></source>" if config else "", ns,
        select.replace("'", "&apos;"), "get-config" if config else "get")
    lint_reply(r, op, modules=("ipmpd-ipmp", "ietf-netconf", "ietf-netconf-monitoring"))
    content, data = data_of(r)
    lint("getconfig" if config else "get", content, modules=("ipmpd-ipmp", "ietf-netconf-monitoring"))
    return content, data


# one leaf of one member: its ancestors and the keys come along, nothing else
content, data = xget("/if:interfaces/if:interface[if:name='tst1']/ip:ipmp/ip:state", {"ip": IPMP, "if": nclib.IF})
ifs = data.findall("if:interfaces/if:interface", NS)
check(len(ifs) == 1 and [c.tag.split("}")[1] for c in ifs[0]] == ["name", "ipmp"]
      and [c.tag.split("}")[1] for c in ifs[0].find("ip:ipmp", NS)] == ["state"], "member: " + content)
check(data.findtext("if:interfaces/if:interface/if:name", namespaces=NS) == "tst1", "interface key: " + content)
check("failback" not in content and "tst0" not in content, "too much: " + content)

# get-config, another prefix
content, data = xget("/x:ipmp/x:failure-detection-time", {"x": IPMP}, config=True)
check(data.findtext("ip:ipmp/ip:failure-detection-time", namespaces=NS) == "700" and "group" not in content,
      "get-config: " + content)

# two top-level trees in one expression
content, data = xget("/ip:ipmp/ip:failback | /ncm:netconf-state/ncm:sessions", {"ip": IPMP, "ncm": NCM})
check(data.find("ip:ipmp/ip:failback", NS) is not None and data.find("ncm:netconf-state/ncm:sessions", NS)
      is not None and "capabilities" not in content, "union: " + content)

# an expression that is no node-set, and one that does not parse
expect_error(m.get(filter=("xpath", ({"ip": IPMP}, "count(/ip:ipmp/ip:group)"))), "invalid-value")
expect_error(m.get(filter=("xpath", ({"ip": IPMP}, "/ip:ipmp["))), "invalid-value")

# get-data's xpath-filter
op = ('<get-data xmlns="%s" xmlns:ds="%s"><datastore>ds:operational</datastore>'
      '<xpath-filter xmlns:ip="%s" xmlns:if="%s">/if:interfaces/if:interface/ip:ipmp/ip:link-state</xpath-filter>'
      '</get-data>' % (NMDA, DS, IPMP, nclib.IF))
r = m.dispatch(etree.fromstring(op))
check(r.ok, r.xml)
lint_reply(r, op, modules=("ipmpd-ipmp", "ietf-netconf", "ietf-netconf-nmda", "ietf-datastores"))
d = etree.fromstring(r.xml.encode()).find("{%s}data" % NMDA)
links = [e.text for e in d.iterfind("if:interfaces/if:interface/ip:ipmp/ip:link-state", NS)]
check(links == ["up", "up"] and d.find("if:interfaces/if:interface/ip:ipmp/ip:state", NS) is None, etree.tostring(d))
lint("get", "".join(etree.tostring(c).decode() for c in d))

# a subscription with an XPath filter: the viewer's session start, not the admin's
ok(m.create_subscription(filter=("xpath", ({"n": NCN}, "/n:netconf-session-start[n:username='viewer']"))))
a = nclib.connect("admin", "admin-secret-1")
v = nclib.connect("viewer", "viewer-secret-1")
n = m.take_notification(timeout=10)
check(n is not None, "no notification")
check("netconf-session-start" in n.notification_xml and "<username>viewer</username>" in n.notification_xml,
      n.notification_xml)
check(m.take_notification(timeout=1) is None, "the filter let more through")
for s in (a, v, m):
    s.close_session()
nclib.done()
