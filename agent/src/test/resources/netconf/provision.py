"""Provisioning through the candidate (lock, edit-config, validate, commit, unlock), and the
rpc-errors of bad edits (error-tag, error-app-tag, error-path), each reply checked with yanglint."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nclib  # noqa: E402
from nclib import check, lint, lint_reply, data_of, ok, expect_error, IPMP  # noqa: E402

nclib.parse_args()
m = nclib.connect("admin", "admin-secret-1")


def cfg(body, ifs=""):
    """A configuration: the ipmp container's content, and interface entries (the members)."""
    return ('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">%s<ipmp xmlns="%s">%s</ipmp></config>'
            % ('<interfaces xmlns="%s">%s</interfaces>' % (nclib.IF, ifs) if ifs else "", IPMP, body))


def member(name, inner):
    """An interface entry with its IPMP configuration."""
    return ('<interface><name>%s</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">'
            'ianaift:ethernetCsmacd</type><ipmp xmlns="%s">%s</ipmp></interface>' % (name, IPMP, inner))


def edit_op(target, body, extra="", ifs=""):
    return ('<edit-config><target><%s/></target>%s%s</edit-config>' % (target, extra, cfg(body, ifs)))


G1 = ("<group><name>g1</name>"
      "<data-address><address>198.51.100.50</address><prefix-length>24</prefix-length>"
      "<home-member>tst2</home-member></data-address>"
      "<probe-target><address>198.51.100.1</address></probe-target></group>")
G1_MEMBERS = (member("tst2", "<group>g1</group><test-address><address>198.51.100.12</address>"
                             "<prefix-length>25</prefix-length></test-address>")
              + member("tst3", "<group>g1</group><standby>true</standby><test-address>"
                               "<address>198.51.100.13</address></test-address>"))

ok(m.lock("candidate"), "<lock><target><candidate/></target></lock>")
ok(m.edit_config(target="candidate", config=cfg(G1, G1_MEMBERS)), edit_op("candidate", G1, ifs=G1_MEMBERS))
r = ok(m.get_config(source="candidate"))
content, _ = data_of(r)
lint("config", content)
check("<name>g1</name>" in content and "198.51.100.50" in content, "candidate: " + content)
ok(m.validate(source="candidate"), "<validate><source><candidate/></source></validate>")
ok(m.commit(), "<commit/>")
ok(m.unlock("candidate"), "<unlock><target><candidate/></target></unlock>")

r = ok(m.get_config(source="running"))
content, _ = data_of(r)
lint("config", content)
check("<name>g1</name>" in content and "<standby>true</standby>" in content and "198.51.100.1<" in content,
      "running after commit: " + content)
# test addresses with their prefix length: the one given, else that of the group's data address subnet
check("<test-address><address>198.51.100.12</address><prefix-length>25</prefix-length></test-address>" in content
      and "<test-address><address>198.51.100.13</address><prefix-length>24</prefix-length></test-address>"
      in content, "test address prefix lengths in running: " + content)
print("COMMITTED", flush=True)


def bad(body, tag, app_tag=None, path_part=None, extra="", target="running", ifs=""):
    r = m.edit_config(target=target, config=cfg(body, ifs), **({"error_option": extra} if extra else {}))
    return expect_error(r, tag, app_tag, path_part, op_xml=edit_op(target, body, ifs=ifs))


# type and range from the module (uint32 range 100..max)
bad("<failure-detection-time>50</failure-detection-time>", "invalid-value", None, "ipmp:failure-detection-time")
bad("<failback>maybe</failback>", "invalid-value", None, "ipmp:failback")
bad("<group><name>g 1</name></group>", "invalid-value", None, "ipmp:name")
# leafref home-member must name a member of the group
bad("<group><name>g1</name><data-address><address>198.51.100.60</address><home-member>tst9</home-member>"
    "</data-address></group>", "data-missing", "instance-required", "ipmp:home-member")
# a home member is needed in a group without an IPMP interface
bad("<group><name>g1</name><data-address><address>198.51.100.61</address></data-address></group>",
    "operation-failed", "home-member-missing", "data-address")
# create of something that exists, delete of something that does not
bad('<group xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="create"><name>g1</name></group>',
    "data-exists", None, "ipmp:group[ipmp:name='g1']")
bad('<group><name>g1</name><data-address xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete">'
    '<address>203.0.113.99</address></data-address></group>', "data-missing", None, "203.0.113.99")
# unknown element, missing key
bad("<bogus>1</bogus>", "unknown-element")
bad("", "missing-element", ifs='<interface><ipmp xmlns="%s"><standby>true</standby></ipmp></interface>' % IPMP)
# a member of a group that does not exist (leafref)
bad("", "data-missing", "instance-required", "if:interface[if:name='tst2']/ipmp:ipmp/ipmp:group",
    ifs=member("tst2", "<group>g9</group>"))
# what ipmpd cannot keep: an interface that is no member, a description
bad("", "operation-not-supported", None, "if:interface[if:name='tst5']",
    ifs='<interface><name>tst5</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">'
        'ianaift:ethernetCsmacd</type></interface>')
bad("", "operation-not-supported", None, "if:description",
    ifs='<interface><name>tst2</name><description>uplink</description></interface>')
# a group's IPMP interface: of type ipmp; it holds the data addresses, so a classic group whose
# addresses have home members does not get one by merge (see new_ipmp.py for new IPMP)
bad("<group><name>g1</name><ipmp-interface>tst2</ipmp-interface></group>", "operation-failed",
    "ipmp-interface-type", "ipmp:ipmp-interface")
bad("<group><name>g1</name><ipmp-interface>ipmp0</ipmp-interface></group>", "operation-failed",
    "home-member-ipmp-interface", "ipmp:home-member",
    ifs='<interface><name>ipmp0</name><type xmlns:x="%s">x:ipmp</type></interface>' % IPMP)
# the module's must statements, with their error-app-tags
bad("<group><name>g1</name><data-address><address>198.51.100.70</address><home-member>tst3</home-member>"
    "</data-address></group>", "operation-failed", "standby-home-member", "data-address")
bad("", "operation-failed", "minimum-redundancy",
    ifs=member("tst0", "<offline>true</offline>") + member("tst1", "<offline>true</offline>"))
bad("", "operation-failed", "test-address-link-local",
    ifs=member("tst2", "<test-address><address>2001:db8::12</address></test-address>"))
bad("", "operation-failed", "prefix-length",
    ifs=member("tst2", "<test-address><address>198.51.100.12</address><prefix-length>33</prefix-length>"
                       "</test-address>"))
# an engine rule (ConfigValidator) the module does not state: no link-local data address
bad("<group><name>g1</name><data-address><address>fe80::99</address><home-member>tst2</home-member>"
    "</data-address></group>", "invalid-value", None, "data-address[ipmp:address='fe80::99']")

# rollback-on-error: a good change with a bad one changes nothing
bad("<failure-detection-time>1400</failure-detection-time>", "invalid-value", extra="rollback-on-error",
    ifs=member("tst2", "<standby>maybe</standby>"))
r = ok(m.get_config(source="running"))
content, _ = data_of(r)
check("<failure-detection-time>700</failure-detection-time>" in content, "rollback-on-error applied: " + content)

# test-only validates without applying
body = "<failure-detection-time>1400</failure-detection-time>"
ok(m.edit_config(target="running", config=cfg(body), test_option="test-only"),
   edit_op("running", body, "<test-option>test-only</test-option>"))
content, _ = data_of(ok(m.get_config(source="running")))
check("<failure-detection-time>700</failure-detection-time>" in content, "test-only applied: " + content)

# merge on running, then remove (no error when absent)
body = '<group><name>g1</name><probe-target><address>198.51.100.2</address></probe-target></group>'
ok(m.edit_config(target="running", config=cfg(body)), edit_op("running", body))
body = ('<group><name>g1</name><probe-target xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" '
        'nc:operation="remove"><address>198.51.100.2</address></probe-target></group>')
ok(m.edit_config(target="running", config=cfg(body)))
ok(m.edit_config(target="running", config=cfg(body)))
content, _ = data_of(ok(m.get_config(source="running")))
check("198.51.100.2<" not in content and "198.51.100.1<" in content, "remove: " + content)

# discard-changes drops an uncommitted candidate
ok(m.edit_config(target="candidate", config=cfg("<failback>false</failback>")))
ok(m.discard_changes(), "<discard-changes/>")
content, _ = data_of(ok(m.get_config(source="candidate")))
check("<failback>true</failback>" in content, "discard-changes: " + content)

# copy-config: running to candidate, then an inline configuration replacing the candidate
ok(m.copy_config(source="running", target="candidate"),
   "<copy-config><target><candidate/></target><source><running/></source></copy-config>")
inline = ('<copy-config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><target><candidate/></target><source>'
          '<config><ipmp xmlns="%s"><failback>false</failback></ipmp></config></source></copy-config>' % IPMP)
ok(m.dispatch(nclib.etree.fromstring(inline)))
content, _ = data_of(ok(m.get_config(source="candidate")))
# /nacm is kept when the source has none (README: access control)
check("<failback>false</failback>" in content and "<group>" not in content.split("<nacm")[0]
      and "<name>permit-all</name>" in content, "inline copy-config: " + content)
ok(m.discard_changes())
content, _ = data_of(ok(m.get_config(source="candidate")))
check("<name>g1</name>" in content, "after discard: " + content)

m.close_session()
nclib.done()
