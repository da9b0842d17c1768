package ipmpd.tests.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bench's reading of snmptrapd's lines (-On, -F "TRAP %v\n": numeric OIDs, varbinds tab-separated). */
class SnmpBenchTrapLineTest {
    private static final String IF_FAILED_17 = "TRAP .1.3.6.1.2.1.1.3.0 = Timeticks: (3472972) 9:38:49.72\t"
            + ".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.99999.1.0.3\t"
            + ".1.3.6.1.4.1.99999.1.1.4.1.2.17 = STRING: \"m1\"\t.1.3.6.1.4.1.99999.1.1.4.1.3.17 = INTEGER: 2";
    private static final String LINK_DOWN_7 = "TRAP .1.3.6.1.2.1.1.3.0 = Timeticks: (3465543) 9:37:35.43\t"
            + ".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.3\t.1.3.6.1.2.1.2.2.1.1.7 = INTEGER: 7\t"
            + ".1.3.6.1.2.1.2.2.1.7.7 = INTEGER: 1\t.1.3.6.1.2.1.2.2.1.8.7 = INTEGER: 2";

    @Test
    void aNotificationIsKnownByItsTrapOidAndTheIndexOfItsFirstObject() {
        assertTrue(SnmpBench.isTrap(IF_FAILED_17, SnmpBench.IPMP_IF_FAILED, 17));
        assertFalse(SnmpBench.isTrap(IF_FAILED_17, SnmpBench.IPMP_IF_FAILED, 7), "index 7 is not 17");
        assertFalse(SnmpBench.isTrap(IF_FAILED_17, SnmpBench.LINK_DOWN, 17));
        assertTrue(SnmpBench.isTrap(LINK_DOWN_7, SnmpBench.LINK_DOWN, 7));
        assertFalse(SnmpBench.isTrap(LINK_DOWN_7, SnmpBench.LINK_DOWN, 17));
        // an OID that only begins with linkDown's is another notification
        assertFalse(SnmpBench.isTrap(LINK_DOWN_7.replace("1.1.5.3\t", "1.1.5.34\t"), SnmpBench.LINK_DOWN, 7));
        assertFalse(SnmpBench.isTrap("NET-SNMP version 5.9.3", SnmpBench.LINK_DOWN, 7));
    }
}
