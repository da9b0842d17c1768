"""Helpers for the NETCONF scenario scripts: ncclient connections and yanglint checks.

Run with /usr/bin/python3 (Debian's python3-ncclient). Every script takes
--port P --yang DIR --workdir DIR and prints "OK" at the end; an assertion
failure exits non-zero with the reason on stderr.
"""
import argparse
import os
import subprocess
import sys
import tempfile

from lxml import etree
from ncclient import manager
from ncclient.operations import RaiseMode

BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"
IPMP = "urn:ipmpd:yang:ipmpd-ipmp"
IF = "urn:ietf:params:xml:ns:yang:ietf-interfaces"
NCM = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"
NOTIF = "urn:ietf:params:xml:ns:netconf:notification:1.0"
YUMA = "/usr/share/yuma/modules/ietf"
LIBYANG = "/usr/share/yang/modules/libyang"
YUMA_DERIVED = "/usr/share/yuma/modules/ietf-derived"
YUMA_NCX = "/usr/share/yuma/modules/netconfcentral"
NS = {"nc": BASE, "ip": IPMP, "ncm": NCM, "if": IF}

args = None


def parse_args(extra=None):
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--yang", required=True)
    p.add_argument("--workdir", required=True)
    for a in extra or []:
        p.add_argument(a)
    args = p.parse_args()
    return args


def connect(user, password=None, key=None, timeout=15):
    m = manager.connect(host="127.0.0.1", port=args.port, username=user, password=password,
                        key_filename=key, hostkey_verify=False, look_for_keys=False,
                        allow_agent=False, timeout=timeout)
    m.raise_mode = RaiseMode.NONE
    return m


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def _module(name):
    for d in (args.yang, LIBYANG, YUMA, YUMA_DERIVED):
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f == name + ".yang" or (f.startswith(name + "@") and f.endswith(".yang")):
                return os.path.join(d, f)
    raise AssertionError("module %s not found" % name)


_count = [0]


NACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"


def lint(kind, xml, modules=("ipmpd-ipmp",), rpc=None, operational=None):
    """Validates an instance document with yanglint; raises with yanglint's output when invalid.
    operational: data the document may refer to (instance-identifiers of a notification)."""
    _count[0] += 1
    text = xml if isinstance(xml, str) else xml.decode()
    if NACM in text and "ietf-netconf-acm" not in modules:
        modules = tuple(modules) + ("ietf-netconf-acm",)  # /nacm is in every datastore
    path = os.path.join(args.workdir, "lint-%d-%s.xml" % (_count[0], kind))
    with open(path, "w") as f:
        f.write(xml if isinstance(xml, str) else xml.decode())
    cmd = ["yanglint", "-p", args.yang, "-p", LIBYANG, "-p", YUMA, "-p", YUMA_DERIVED, "-p", YUMA_NCX, "-t", kind]
    if rpc is not None:
        rpath = path + ".rpc.xml"
        with open(rpath, "w") as f:
            f.write(rpc)
        cmd += ["-R", rpath]
    if operational is not None:
        opath = path + ".operational.xml"
        with open(opath, "w") as f:
            f.write(operational)
        cmd += ["-O", opath]
    if "ipmpd-ipmp" in modules and "iana-if-type" not in modules:
        # implemented by the server: the interface types of the members' entries are its identities
        modules = tuple(modules) + ("iana-if-type",)
    cmd += [_module(m) for m in modules] + [path]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError("yanglint -t %s rejects %s:\n%s%s\n%s" % (kind, path, r.stdout, r.stderr, xml[:3000]))
    return path


def message_id(reply_xml):
    return etree.fromstring(reply_xml.encode()).get("message-id")


def lint_reply(reply, op_xml, modules=("ipmpd-ipmp", "ietf-netconf")):
    """Validates an <rpc-reply> as the reply to <rpc>op_xml</rpc> (yanglint nc-reply)."""
    xml = reply.xml if hasattr(reply, "xml") else reply
    mid = message_id(xml)
    rpc = '<rpc xmlns="%s" message-id="%s">%s</rpc>' % (BASE, mid, op_xml)
    return lint("nc-reply", xml, modules=modules, rpc=rpc)


def data_of(reply):
    """The children of <data> of a reply, serialised one after the other."""
    root = etree.fromstring(reply.xml.encode())
    data = root.find("nc:data", NS)
    check(data is not None, "no <data> in " + reply.xml)
    return "".join(etree.tostring(c).decode() for c in data), data


def error_of(reply):
    check(not reply.ok, "expected an rpc-error, got " + reply.xml)
    return reply.error


def expect_error(reply, tag, app_tag=None, path_part=None, op_xml=None):
    e = error_of(reply)
    check(e.tag == tag, "expected error-tag %s, got %s: %s" % (tag, e.tag, reply.xml))
    if app_tag is not None:
        check(e.app_tag == app_tag, "expected error-app-tag %s, got %s: %s" % (app_tag, e.app_tag, reply.xml))
    if path_part is not None:
        check(e.path is not None and path_part in e.path,
              "expected error-path containing %s, got %s" % (path_part, e.path))
    if op_xml is not None:
        lint_reply(reply, op_xml)
    return e


def ok(reply, op_xml=None):
    check(reply.ok, "expected <ok/>, got " + reply.xml)
    if op_xml is not None:
        lint_reply(reply, op_xml)
    return reply


def done():
    print("OK", flush=True)
    sys.exit(0)
