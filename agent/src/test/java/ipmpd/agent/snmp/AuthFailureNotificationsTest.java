package ipmpd.agent.snmp;

import ipmpd.agent.IpmpdLog;
import org.junit.jupiter.api.Test;
import org.snmp4j.agent.NotificationOriginator;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.VariableBinding;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** authenticationFailure is rate limited (burst, then one a second) and logged at most once a minute; others pass. */
class AuthFailureNotificationsTest {
    @Test
    void aFloodGivesABurstThenOneASecondAndOneLogLine() {
        AtomicLong now = new AtomicLong(1_000_000_000_000L);
        List<OID> sent = new ArrayList<>();
        List<OID> others = new ArrayList<>();
        List<String> logged = new ArrayList<>();
        IpmpdLog log = IpmpdLog.detached(null);
        log.addTap(logged::add);
        NotificationOriginator rest = new NotificationOriginator() {
            @Override
            public Object notify(OctetString c, OID trap, VariableBinding[] vbs) {
                others.add(trap);
                return null;
            }

            @Override
            public Object notify(OctetString c, OID trap, TimeTicks t, VariableBinding[] vbs) {
                others.add(trap);
                return null;
            }
        };
        AuthFailureNotifications a = new AuthFailureNotifications(rest, (trap, vbs) -> sent.add(trap), log, now::get);
        for (int i = 0; i < 58_000; i++) {
            a.notify(new OctetString(), SnmpConstants.authenticationFailure, new VariableBinding[0]);
            if (i % 10_000 == 0) {
                now.addAndGet(1_000_000L); // 6 s of forged packets: one a ~0.1 ms
            }
        }
        assertEquals(AuthFailureNotifications.BURST, sent.size(), "the burst only: less than a second went by");
        assertEquals(58_000 - AuthFailureNotifications.BURST, a.suppressed());
        assertEquals(1, logged.stream().filter(l -> l.contains("authentication failures")).count(), logged.toString());
        // a second later one more goes; a real linkDown is not held back
        now.addAndGet(AuthFailureNotifications.INTERVAL_NS);
        a.notify(new OctetString(), SnmpConstants.authenticationFailure, new VariableBinding[0]);
        a.notify(new OctetString(), SnmpConstants.authenticationFailure, new VariableBinding[0]);
        assertEquals(AuthFailureNotifications.BURST + 1, sent.size());
        a.notify(new OctetString(), SnmpConstants.linkDown, new VariableBinding[0]);
        assertEquals(List.of(SnmpConstants.linkDown), others);
        // the next log line only after a minute, with the count since the last one
        assertEquals(1, logged.stream().filter(l -> l.contains("authentication failures")).count());
        now.addAndGet(AuthFailureNotifications.LOG_INTERVAL_NS);
        for (int i = 0; i < 10; i++) {
            a.notify(new OctetString(), SnmpConstants.authenticationFailure, new VariableBinding[0]);
        }
        List<String> lines = logged.stream().filter(l -> l.contains("authentication failures")).toList();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(1).matches(".*: 5799\\d not notified.*"), lines.get(1)); // all left out since the first line
    }

    @Test
    void wireTextIsEscapedInLogLines() {
        assertEquals("bad\\x0aSNMP: forged\\x1b[31m\\\\", LogText.quote("bad\nSNMP: forged\u001b[31m\\"));
        assertEquals("caf\\xe9 \\u2603", LogText.quote("caf\u00e9 \u2603"));
        assertTrue(LogText.quote("x".repeat(1000)).length() < 220);
    }
}
