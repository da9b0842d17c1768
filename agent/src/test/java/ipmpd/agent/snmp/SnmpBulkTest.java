package ipmpd.agent.snmp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Snmp;
import org.snmp4j.event.ResponseEvent;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.VariableBinding;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GETBULK as RFC 3416 4.2.3 has it, whatever the agent does to build responses cheaply
 * ({@link BulkRequest}, {@link LastFind}): non-repeaters get one successor each, then each
 * repetition holds the successors of the previous one's bindings, in request order; a response
 * that would not fit the manager's msgMaxSize is cut short (not refused, not dropped), and what it
 * holds is still that sequence. Checked against chains of GETNEXTs (OIDs only: counters and times
 * move between the two).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class SnmpBulkTest {
    private static final OID SYSTEM = new OID("1.3.6.1.2.1.1");
    private static final OID IF_TABLE = new OID("1.3.6.1.2.1.2.2");
    private static final OID IF_X_TABLE = new OID("1.3.6.1.2.1.31.1.1");

    private SnmpFixture f;
    /** One client per msgMaxSize: snmp4j announces its transport's inbound size as msgMaxSize. */
    private final Map<Integer, Snmp> clients = new java.util.HashMap<>();

    @AfterEach
    void stop() throws Exception {
        for (Snmp c : clients.values()) {
            c.close();
        }
        if (f != null) {
            f.close();
        }
    }

    private Snmp client(int maxSize) throws Exception {
        Snmp c = clients.get(maxSize);
        if (c == null) {
            c = SnmpFixture.javaClient("ipmpd-bulk-client", maxSize);
            clients.put(maxSize, c);
        }
        return c;
    }

    private PDU send(ScopedPDU p, int maxSize) throws Exception {
        ResponseEvent<UdpAddress> e = client(maxSize).send(p, f.javaTarget(SnmpFixture.RO));
        PDU r = e.getResponse();
        assertNotNull(r, "no answer to " + p + " (msgMaxSize " + maxSize + ")");
        assertEquals(PDU.RESPONSE, r.getType(), r.toString());
        assertEquals(PDU.noError, r.getErrorStatus(), r.toString());
        return r;
    }

    /** The successor of oid (GETNEXT), or null at the end of the view. */
    private OID next(OID oid) throws Exception {
        ScopedPDU p = new ScopedPDU();
        p.setType(PDU.GETNEXT);
        p.add(new VariableBinding(oid));
        VariableBinding vb = send(p, 65507).get(0);
        return vb.isException() ? null : vb.getOid();
    }

    /** What a GETBULK of these OIDs must hold (the OIDs, in order), computed with GETNEXTs. */
    private List<OID> expected(int nonRepeaters, int repetitions, OID... oids) throws Exception {
        List<OID> out = new ArrayList<>();
        for (int i = 0; i < nonRepeaters; i++) {
            out.add(next(oids[i]));
        }
        OID[] row = new OID[oids.length - nonRepeaters];
        System.arraycopy(oids, nonRepeaters, row, 0, row.length);
        for (int r = 0; r < repetitions; r++) {
            for (int c = 0; c < row.length; c++) {
                row[c] = row[c] == null ? null : next(row[c]);
                out.add(row[c]); // null: endOfMibView
            }
        }
        return out;
    }

    private List<OID> bulk(int maxSize, int nonRepeaters, int repetitions, OID... oids) throws Exception {
        ScopedPDU p = new ScopedPDU();
        p.setType(PDU.GETBULK);
        p.setNonRepeaters(nonRepeaters);
        p.setMaxRepetitions(repetitions);
        for (OID o : oids) {
            p.add(new VariableBinding(o));
        }
        PDU r = send(p, maxSize);
        assertTrue(r.getBERLength() <= maxSize, "a response of " + r.getBERLength() + " bytes for msgMaxSize " + maxSize);
        List<OID> out = new ArrayList<>();
        for (VariableBinding vb : r.getVariableBindings()) {
            out.add(vb.getSyntax() == org.snmp4j.smi.SMIConstants.EXCEPTION_END_OF_MIB_VIEW ? null : vb.getOid());
        }
        return out;
    }

    @Test
    void bulkResponsesAreGetNextSequencesCutShortToFitTheMessageSize() throws Exception {
        f = SnmpFixture.standard(Map.of());
        record Case(int nonRepeaters, int repetitions, OID... oids) {
        }
        List<Case> cases = List.of(new Case(0, 60, IF_TABLE), new Case(0, 25, IF_TABLE, IF_X_TABLE, IpmpMib.MIB),
                new Case(1, 30, SYSTEM, IF_TABLE, IpmpMib.MIB), new Case(0, 40, new OID("1.3.6.1.6.3.10.2.1")));
        for (Case c : cases) {
            List<OID> want = expected(c.nonRepeaters(), c.repetitions(), c.oids());
            int full = -1;
            for (int maxSize : new int[] {65507, 1500, 900, 484}) {
                List<OID> got = bulk(maxSize, c.nonRepeaters(), c.repetitions(), c.oids());
                String what = c + " with msgMaxSize " + maxSize;
                assertTrue(!got.isEmpty() && got.size() <= want.size(), what + ": " + got.size() + " bindings");
                // endOfMibView rows end the response early (RFC 3416 4.2.3): a prefix in any case
                assertEquals(want.subList(0, got.size()), got, what);
                if (maxSize == 65507) {
                    full = got.size();
                } else if (maxSize == 484 && full > 30) {
                    assertTrue(got.size() < full, what + ": not cut short (" + got.size() + " of " + full + ")");
                }
            }
        }
    }
}
