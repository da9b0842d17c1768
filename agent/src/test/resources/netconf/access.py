"""Users and roles (read-only, read-write, wrong password, public key), locks between sessions,
kill-session, and the offline / undo-offline operations with the module's error-app-tags."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paramiko  # noqa: E402
from ncclient.transport.errors import AuthenticationError  # noqa: E402
import nclib  # noqa: E402
from nclib import check, data_of, ok, expect_error, IPMP  # noqa: E402

nclib.parse_args(["--users"])


def cfg(body):
    return '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ipmp xmlns="%s">%s</ipmp></config>' % (IPMP, body)


FDT = "<failure-detection-time>1400</failure-detection-time>"
EDIT = "<edit-config><target><running/></target>%s</edit-config>" % cfg(FDT)

# read-only user: reads, cannot write
v = nclib.connect("viewer", "viewer-secret-1")
ok(v.get())
ok(v.get_config(source="running"))
expect_error(v.edit_config(target="running", config=cfg(FDT)), "access-denied", op_xml=EDIT)
expect_error(v.lock("running"), "access-denied")
expect_error(v.commit(), "access-denied")
v.close_session()

# wrong password, unknown user
for user, pw in (("admin", "wrong"), ("nobody", "admin-secret-1"), ("viewer", "")):
    try:
        nclib.connect(user, pw, timeout=10)
        raise AssertionError("%s logged in with a wrong password" % user)
    except AuthenticationError:
        pass

# public key: a new user added to the users file while the server runs
key = paramiko.ECDSAKey.generate(bits=256)
keyfile = os.path.join(nclib.args.workdir, "keyuser.key")
key.write_private_key_file(keyfile)
with open(nclib.args.users, "a") as f:
    f.write("keyuser read-write key %s %s keyuser@test\n" % (key.get_name(), key.get_base64()))
k = nclib.connect("keyuser", key=keyfile)
ok(k.get_config(source="running"))
k.close_session()

# locks: another session's lock denies writes; kill-session releases it
a = nclib.connect("admin", "admin-secret-1")
b = nclib.connect("admin", "admin-secret-1")
ok(a.lock("running"))
e = expect_error(b.edit_config(target="running", config=cfg(FDT)), "lock-denied", op_xml=EDIT)
check(str(a.session_id) in (e.info or ""), "lock-denied names the holder: %s" % e.info)
expect_error(b.lock("running"), "lock-denied")
ok(b.kill_session(a.session_id), "<kill-session><session-id>%s</session-id></kill-session>" % a.session_id)
ok(b.lock("running"))
ok(b.unlock("running"))
expect_error(b.unlock("running"), "operation-failed")

# offline / undo-offline (if_mpadm -d / -r)
OFF = '<offline xmlns="%s"><interface>%s</interface></offline>'
UNDO = '<undo-offline xmlns="%s"><interface>%s</interface></undo-offline>'


def rpc(xml):
    return b.dispatch(nclib.etree.fromstring(xml))


ok(rpc(OFF % (IPMP, "tst1")), OFF % (IPMP, "tst1"))
e = expect_error(rpc(OFF % (IPMP, "tst0")), "operation-failed", "minimum-redundancy", op_xml=OFF % (IPMP, "tst0"))
check(e.message == "cannot offline tst0: no other functioning interfaces are in its IPMP group", e.message)
expect_error(rpc(OFF % (IPMP, "tst1")), "operation-failed", "already-offline", op_xml=OFF % (IPMP, "tst1"))
ok(rpc(UNDO % (IPMP, "tst1")), UNDO % (IPMP, "tst1"))
expect_error(rpc(UNDO % (IPMP, "tst1")), "operation-failed", "not-offline", op_xml=UNDO % (IPMP, "tst1"))
expect_error(rpc(OFF % (IPMP, "tst2")), "invalid-value", "not-in-group", op_xml=OFF % (IPMP, "tst2"))


# offline at run time (the operation) and offline by configuration (the leaf) are distinct
def member_leaf(reply, member, leaf):
    _, data = data_of(ok(reply))
    found = data.xpath("if:interfaces/if:interface[if:name='%s']/ip:ipmp/ip:%s/text()" % (member, leaf),
                       namespaces=nclib.NS)
    check(len(found) == 1, "%s of %s: %s" % (leaf, member, found))
    return found[0]


def member_cfg(value):
    return ('<config xmlns="%s"><interfaces xmlns="%s"><interface><name>tst1</name><ipmp xmlns="%s">'
            '<offline>%s</offline></ipmp></interface></interfaces></config>' % (nclib.BASE, nclib.IF, IPMP, value))


ok(rpc(OFF % (IPMP, "tst1")))
check(member_leaf(b.get_config(source="running"), "tst1", "offline") == "false", "run-time offline not in running")
check(member_leaf(b.get(), "tst1", "offline") == "false", "run-time offline not in the config leaf of get")
check(member_leaf(b.get(), "tst1", "state") == "offline", "run-time offline in the state")
# a commit of something else does not make it configuration
ok(b.edit_config(target="candidate", config=member_cfg("false")))
ok(b.commit())
check(member_leaf(b.get_config(source="running"), "tst1", "offline") == "false", "still not in running")
check(member_leaf(b.get(), "tst1", "state") == "offline", "still offline in the state")
ok(rpc(UNDO % (IPMP, "tst1")))
check(member_leaf(b.get(), "tst1", "state") != "offline", "undone")

ok(b.edit_config(target="candidate", config=member_cfg("true")))
ok(b.commit())
check(member_leaf(b.get_config(source="running"), "tst1", "offline") == "true", "configured offline in running")
check(member_leaf(b.get(), "tst1", "state") == "offline", "configured offline in the state")
with open(os.path.join(os.path.dirname(nclib.args.users), "ipmp.conf")) as f:
    conf = f.read()
check("offline tst1" in conf.split("\n"), "configured offline kept in ipmp.conf: " + conf)
e = expect_error(rpc(UNDO % (IPMP, "tst1")), "operation-failed", "configured-offline", op_xml=UNDO % (IPMP, "tst1"))
check("set its offline leaf to false" in e.message, e.message)
expect_error(rpc(OFF % (IPMP, "tst0")), "operation-failed", "minimum-redundancy", op_xml=OFF % (IPMP, "tst0"))
ok(b.edit_config(target="candidate", config=member_cfg("false")))
ok(b.commit())
check(member_leaf(b.get(), "tst1", "state") != "offline", "configured offline removed")
expect_error(rpc('<offline xmlns="%s"/>' % IPMP), "missing-element")
expect_error(rpc(OFF % (IPMP, "a/b")), "invalid-value")
b.close_session()
nclib.done()
