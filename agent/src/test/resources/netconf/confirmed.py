"""Confirmed commit (RFC 6241 8.4): without confirmation the previous configuration comes back
after the timeout; a confirming commit keeps it; cancel-commit rolls back at once."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nclib  # noqa: E402
from nclib import check, data_of, ok, IPMP  # noqa: E402

nclib.parse_args()
m = nclib.connect("admin", "admin-secret-1")


def cfg(body):
    return '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ipmp xmlns="%s">%s</ipmp></config>' % (IPMP, body)


def fdt():
    content, _ = data_of(ok(m.get_config(source="running")))
    i = content.index("<failure-detection-time>") + len("<failure-detection-time>")
    return int(content[i:content.index("<", i)])


check(fdt() == 700, "start")
# 1. not confirmed: rolled back after the timeout
ok(m.edit_config(target="candidate", config=cfg("<failure-detection-time>2100</failure-detection-time>")))
t0 = time.monotonic()
ok(m.commit(confirmed=True, timeout="2"),
   "<commit><confirmed/><confirm-timeout>2</confirm-timeout></commit>")
check(fdt() == 2100, "confirmed commit applied")
deadline = t0 + 8
while fdt() != 700:
    check(time.monotonic() < deadline, "not rolled back within 8 s")
    time.sleep(0.1)
elapsed = time.monotonic() - t0
check(elapsed >= 1.5, "rolled back too early (%.2f s)" % elapsed)
print("ROLLEDBACK %.2f" % elapsed, flush=True)

# 2. confirmed by a second commit: kept
ok(m.edit_config(target="candidate", config=cfg("<failure-detection-time>1400</failure-detection-time>")))
ok(m.commit(confirmed=True, timeout="2"))
ok(m.commit())
time.sleep(2.5)
check(fdt() == 1400, "confirmed configuration was rolled back")

# 3. cancel-commit: back at once
ok(m.edit_config(target="candidate", config=cfg("<failure-detection-time>2800</failure-detection-time>")))
ok(m.commit(confirmed=True, timeout="60"))
check(fdt() == 2800, "second confirmed commit")
ok(m.cancel_commit(), "<cancel-commit/>")
check(fdt() == 1400, "cancel-commit did not roll back")
nclib.expect_error(m.cancel_commit(), "operation-failed")

# 4. a confirmed commit from a session that goes away is rolled back too
m2 = nclib.connect("admin", "admin-secret-1")
ok(m2.edit_config(target="candidate", config=cfg("<failure-detection-time>3500</failure-detection-time>")))
ok(m2.commit(confirmed=True, timeout="60"))
check(fdt() == 3500, "third confirmed commit")
m2.close_session()
deadline = time.monotonic() + 5
while fdt() != 1400:
    check(time.monotonic() < deadline, "session end did not roll back")
    time.sleep(0.1)

ok(m.edit_config(target="running", config=cfg("<failure-detection-time>700</failure-detection-time>")))
m.close_session()
nclib.done()
