"""New IPMP (Solaris 11's IPMP interface) over NETCONF: a group created from scratch through the
candidate (the IPMP interface ipmp0 of type ipmp:ipmp, two data addresses it holds, members tst2
and tst3 joining with link-based detection), read back from running and, with the inbound and
outbound members of each data address and the IPMP interface's state, from the operational
datastore (get-data); a member failure moves the inbound member; bad edits refused with their
error-tag, error-app-tag and error-path and nothing changed; the group deleted. Every request,
reply and data set checked with yanglint.

The caller takes tst2's link down on FAIL_TST2 and up again on REBOUND; it reads the files and
the engine on PROVISIONED and DELETED.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nclib  # noqa: E402
from nclib import check, lint, lint_reply, ok, expect_error, data_of, IPMP, BASE, IF  # noqa: E402
from lxml import etree  # noqa: E402

NMDA = "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda"
DS = "urn:ietf:params:xml:ns:yang:ietf-datastores"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NS = {"ip": IPMP, "if": IF}
RPC_MODULES = ("ipmpd-ipmp", "ietf-netconf", "ietf-netconf-nmda", "ietf-datastores", "ietf-origin")
ADDRS = ("198.51.100.50", "198.51.100.51")

nclib.parse_args()
m = nclib.connect("admin", "admin-secret-1")


def ipmp_interface(name, extra=""):
    return ('<interface><name>%s</name><type xmlns:ipmp="%s">ipmp:ipmp</type>%s</interface>'
            % (name, IPMP, extra))


def member(name, group):
    return ('<interface><name>%s</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">'
            'ianaift:ethernetCsmacd</type><ipmp xmlns="%s"><group>%s</group></ipmp></interface>'
            % (name, IPMP, group))


def cfg(ifs="", groups=""):
    return ('<config xmlns="%s"><interfaces xmlns="%s">%s</interfaces><ipmp xmlns="%s">%s</ipmp></config>'
            % (BASE, IF, ifs, IPMP, groups))


def edit(target, config, **kw):
    op = '<edit-config><target><%s/></target>%s</edit-config>' % (target, config)
    return m.edit_config(target=target, config=config, **kw), op


# ---------------------------------------------------------------- a new-IPMP group from scratch
PROD = ("<group><name>prod</name><ipmp-interface>ipmp0</ipmp-interface>"
        + "".join("<data-address><address>%s</address><prefix-length>24</prefix-length></data-address>" % a
                  for a in ADDRS)
        + "</group>")
CREATE = cfg(ipmp_interface("ipmp0") + member("tst2", "prod") + member("tst3", "prod"), PROD)
ok(m.lock("candidate"), "<lock><target><candidate/></target></lock>")
r, op = edit("candidate", CREATE)
ok(r, op)
ok(m.validate(source="candidate"), "<validate><source><candidate/></source></validate>")
ok(m.commit(), "<commit/>")
ok(m.unlock("candidate"), "<unlock><target><candidate/></target></unlock>")

running, rd = data_of(ok(m.get_config(source="running")))
lint("config", running)
check(rd.xpath("count(if:interfaces/if:interface[if:name='ipmp0'])", namespaces=NS) == 1, "ipmp0: " + running)
t = rd.find("if:interfaces/if:interface[if:name='ipmp0']/if:type", NS)
prefix, _, ident = t.text.partition(":")
check(t.nsmap.get(prefix) == IPMP and ident == "ipmp", "ipmp0 of type ipmp:ipmp: " + running)
check(rd.findtext("ip:ipmp/ip:group[ip:name='prod']/ip:ipmp-interface", namespaces=NS) == "ipmp0",
      "prod names ipmp0: " + running)
check(rd.xpath("count(ip:ipmp/ip:group[ip:name='prod']/ip:data-address)", namespaces=NS) == 2
      and rd.find("ip:ipmp/ip:group[ip:name='prod']/ip:data-address/ip:home-member", NS) is None,
      "two data addresses held by the IPMP interface, no home member: " + running)


def operational():
    op = ('<get-data xmlns="%s" xmlns:ds="%s"><datastore>ds:operational</datastore>'
          '<subtree-filter><interfaces xmlns="%s"/><ipmp xmlns="%s"/></subtree-filter></get-data>'
          % (NMDA, DS, IF, IPMP))
    r = m.dispatch(etree.fromstring(op))
    check(r.ok, "get-data operational: " + r.xml)
    d = etree.fromstring(r.xml.encode()).find("{%s}data" % NMDA)
    content = "".join(etree.tostring(c).decode() for c in d)
    return d, content, r, op


def address(d, group, a):
    return d.find("ip:ipmp/ip:group[ip:name='%s']/ip:data-address[ip:address='%s']" % (group, a), NS)


def inbound(d, a, group="prod"):
    e = address(d, group, a)
    return None if e is None else e.findtext("ip:inbound", namespaces=NS)


def outbound(d, a, group="prod"):
    e = address(d, group, a)
    return [] if e is None else sorted(x.text for x in e.findall("ip:outbound", NS))


def ipmp_state(d, leaf):
    return d.findtext("if:interfaces/if:interface[if:name='ipmp0']/ip:ipmp-interface/" + leaf, namespaces=NS)


def await_state(what, cond, timeout=90):
    deadline = time.time() + timeout
    while True:
        d, content, r, op = operational()
        if cond(d):
            lint_reply(r, op, modules=RPC_MODULES)
            lint("get", content)
            return d, content
        check(time.time() < deadline, "timed out waiting for " + what + ": " + content)
        time.sleep(0.2)


# both members active: the two addresses bound one to each member, sent from both
d, content = await_state("both data addresses bound", lambda d: all(inbound(d, a) for a in ADDRS)
                         and outbound(d, ADDRS[0]) == ["tst2", "tst3"])
check(sorted(inbound(d, a) for a in ADDRS) == ["tst2", "tst3"], "bindings spread over tst2 and tst3: " + content)
for a in ADDRS:
    check(outbound(d, a) == ["tst2", "tst3"], "outbound over every active member: " + content)
    check(address(d, "prod", a).findtext("ip:hosted-on", namespaces=NS) == "ipmp0", "held by ipmp0: " + content)
    check(address(d, "prod", a).findtext("ip:state", namespaces=NS) == "up", "up: " + content)
flags = ipmp_state(d, "ip:flags").split()
check("ipmp" in flags and "running" in flags and "up" in flags and "failed" not in flags, "ipmp0 flags: " + content)
check(ipmp_state(d, "ip:group") == "prod", "ipmp0's group: " + content)
check(ipmp_state(d, "ip:address-family[ip:family='ipv4']/ip:mtu") == "1500", "ipmp0 mtu: " + content)
# the members are members, the IPMP interface is none
check(d.find("if:interfaces/if:interface[if:name='ipmp0']/ip:ipmp", NS) is None, "ipmp0 has no member node")
check(d.findtext("if:interfaces/if:interface[if:name='tst2']/ip:ipmp/ip:group", namespaces=NS) == "prod",
      "tst2 in prod: " + content)
# a classic group's data address: answered by and sent from the member holding it
g0 = address(d, "g0", "192.0.2.10")
check(g0 is not None, "g0's data address: " + content)
host = g0.findtext("ip:hosted-on", namespaces=NS)
check(host in ("tst0", "tst1") and inbound(d, "192.0.2.10", "g0") == host
      and host in outbound(d, "192.0.2.10", "g0"), "classic inbound/outbound: " + content)
print("PROVISIONED", flush=True)

# ---------------------------------------------------------------- a member fails: the inbound member moves
on_tst2 = [a for a in ADDRS if inbound(d, a) == "tst2"]
print("FAIL_TST2", flush=True)
d, content = await_state("tst2's address rebound to tst3", lambda d: all(inbound(d, a) == "tst3" for a in ADDRS)
                         and outbound(d, ADDRS[0]) == ["tst3"])
for a in ADDRS:
    check(address(d, "prod", a).findtext("ip:hosted-on", namespaces=NS) == "ipmp0",
          "the address stays on ipmp0: " + content)
check("running" in ipmp_state(d, "ip:flags").split(), "ipmp0 runs on tst3: " + content)
check(d.findtext("ip:ipmp/ip:group[ip:name='prod']/ip:state", namespaces=NS) == "degraded", "prod degraded")
print("REBOUND " + " ".join(on_tst2), flush=True)
d, content = await_state("tst2 back", lambda d: outbound(d, ADDRS[0]) == ["tst2", "tst3"])


# ---------------------------------------------------------------- bad input changes nothing
def bad(config, tag, app_tag=None, path_part=None):
    r, op = edit("running", config)
    e = expect_error(r, tag, app_tag, path_part, op_xml=op)
    now, _ = data_of(ok(m.get_config(source="running")))
    check(now == running, "running changed by a refused edit:\n%s\nbefore:\n%s" % (now, running))
    return e


# the IPMP interface named is a member
bad(cfg(groups="<group><name>prod</name><ipmp-interface>tst2</ipmp-interface></group>"),
    "operation-failed", "ipmp-interface-type", "ipmp:group[ipmp:name='prod']/ipmp:ipmp-interface")
# two IPMP interfaces for one group: a second one no group names...
e = bad(cfg(ipmp_interface("ipmp1")), "operation-failed", "ipmp-interface-without-group",
        "if:interface[if:name='ipmp1']")
check("ipmp1" in e.message, e.message)
# ... or the group's one named by a second group
bad(cfg(member("tst3", "g9"), "<group><name>g9</name><ipmp-interface>ipmp0</ipmp-interface></group>"),
    "operation-failed", "duplicate-ipmp-interface", "ipmp:ipmp-interface")
# a group with members cannot change its IPMP interface (they leave first): the engine refuses, nothing applied
e = bad(cfg(ipmp_interface("ipmp0").replace("<interface>", '<interface xmlns:nc="%s" nc:operation="delete">' % NC)
            + ipmp_interface("ipmp1"), "<group><name>prod</name><ipmp-interface>ipmp1</ipmp-interface></group>"),
        "operation-failed", None, "/ipmp:ipmp")
check("still has members" in e.message, e.message)
# the IPMP interface holds the data addresses: no home member; it is not a member itself
bad(cfg(groups="<group><name>prod</name><data-address><address>198.51.100.52</address>"
               "<home-member>tst2</home-member></data-address></group>"),
    "operation-failed", "home-member-ipmp-interface", "ipmp:home-member")
bad(cfg(ipmp_interface("ipmp0", '<ipmp xmlns="%s"><group>prod</group></ipmp>' % IPMP)),
    "operation-failed", "ipmp-interface-member", "if:interface[if:name='ipmp0']/ipmp:ipmp")
# an IPMP interface name Linux-style but not Solaris-style (no digit at its end)
bad(cfg(ipmp_interface("prodipmp"), "<group><name>g8</name><ipmp-interface>prodipmp</ipmp-interface></group>"),
    "operation-failed", "ipmp-interface-name", "ipmp:ipmp-interface")
# a classic group's data address still needs its home member
bad(cfg(groups="<group><name>g0</name><data-address><address>192.0.2.99</address></data-address></group>"),
    "operation-failed", "home-member-missing", "data-address")

# ---------------------------------------------------------------- another data address, then deletion
r, op = edit("running", cfg(groups="<group><name>prod</name><data-address><address>198.51.100.52</address>"
                                   "<prefix-length>24</prefix-length></data-address></group>"))
ok(r, op)
d, content = await_state("third address bound", lambda d: inbound(d, "198.51.100.52") in ("tst2", "tst3"))
print("ADDED", flush=True)

DELETE = cfg(ipmp_interface("ipmp0").replace("<interface>", '<interface xmlns:nc="%s" nc:operation="delete">' % NC)
             + member("tst2", "prod").replace("<interface>", '<interface xmlns:nc="%s" nc:operation="delete">' % NC)
             + member("tst3", "prod").replace("<interface>", '<interface xmlns:nc="%s" nc:operation="delete">' % NC),
             '<group xmlns:nc="%s" nc:operation="delete"><name>prod</name></group>' % NC)
r, op = edit("running", DELETE)
ok(r, op)
running, rd = data_of(ok(m.get_config(source="running")))
lint("config", running)
check("ipmp0" not in running and "<name>prod</name>" not in running and "tst2" not in running,
      "deleted from running: " + running)
d, content, r, op = operational()
lint("get", content)
check("ipmp0" not in content and address(d, "g0", "192.0.2.10") is not None, "deleted from operational: " + content)
print("DELETED", flush=True)
m.close_session()
nclib.done()
