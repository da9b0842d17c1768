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
 * The fast path of reads ({@link FastReads}) answers what snmp4j-agent's request processing
 * answers: the same requests are sent with it on and off, and the responses compared binding by
 * binding (OID, type, and the value, except probe counters and round-trip times, which move
 * between the two; outside ipmpd's objects, where snmp4j-agent answers anyway, OID and type).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class FastReadsTest {
    private static final OID IF_TABLE = new OID("1.3.6.1.2.1.2.2");
    private static final OID IF_X_TABLE = new OID("1.3.6.1.2.1.31.1.1");
    private static final OID IF_OPER_STATUS = new OID("1.3.6.1.2.1.2.2.1.8");
    private static final OID SYS_DESCR = new OID("1.3.6.1.2.1.1.1.0");
    /** Columns whose values change with every probe. */
    private static final List<OID> MOVING = movingObjects();

    /**
     * Values that may change between the two answers compared: probe statistics, and the traffic
     * counters of ifTable (ifInOctets .10 to ifOutErrors .20) and ifXTable (.2 to .13), read
     * again when the last reading is a second old (the two answers may be further apart than
     * that on a busy machine).
     */
    private static List<OID> movingObjects() {
        List<OID> out = new ArrayList<>(List.of(IpmpMib.object("ipmpIfProbesSent").oid(),
                IpmpMib.object("ipmpIfProbesAcked").oid(), IpmpMib.object("ipmpIfProbesLost").oid(),
                IpmpMib.object("ipmpIfRttAverage").oid(), IpmpMib.object("ipmpIfRttDeviation").oid(),
                IpmpMib.object("ipmpTargetRttAverage").oid(), IpmpMib.object("ipmpTargetRttDeviation").oid()));
        for (int column = 10; column <= 20; column++) {
            out.add(new OID("1.3.6.1.2.1.2.2.1").append(column));
        }
        for (int column = 2; column <= 13; column++) {
            out.add(new OID("1.3.6.1.2.1.31.1.1.1").append(column));
        }
        return List.copyOf(out);
    }

    private SnmpFixture f;
    private final List<Snmp> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Snmp c : clients) {
            c.close();
        }
        if (f != null) {
            f.close();
        }
    }

    private record Request(String user, int maxSize, int type, int nonRepeaters, int repetitions, OID... oids) {
        ScopedPDU pdu() {
            ScopedPDU p = new ScopedPDU();
            p.setType(type);
            if (type == PDU.GETBULK) {
                p.setNonRepeaters(nonRepeaters);
                p.setMaxRepetitions(repetitions);
            }
            for (OID o : oids) {
                p.add(new VariableBinding(o));
            }
            return p;
        }

        @Override
        public String toString() {
            return PDU.getTypeString(type) + " " + List.of(oids) + " (" + user + ", non-repeaters " + nonRepeaters
                    + ", max-repetitions " + repetitions + ", msgMaxSize " + maxSize + ")";
        }
    }

    private static Request get(OID... oids) {
        return new Request(SnmpFixture.RO, 65507, PDU.GET, 0, 0, oids);
    }

    private static Request next(OID... oids) {
        return new Request(SnmpFixture.RO, 65507, PDU.GETNEXT, 0, 0, oids);
    }

    private static Request bulk(int maxSize, int nonRepeaters, int repetitions, OID... oids) {
        return new Request(SnmpFixture.RO, maxSize, PDU.GETBULK, nonRepeaters, repetitions, oids);
    }

    private final Map<Integer, Snmp> byMaxSize = new java.util.HashMap<>();

    private PDU send(Request r) throws Exception {
        Snmp c = byMaxSize.get(r.maxSize());
        if (c == null) {
            c = SnmpFixture.javaClient("ipmpd-fast-reads-" + r.maxSize(), r.maxSize());
            clients.add(c);
            byMaxSize.put(r.maxSize(), c);
        }
        ResponseEvent<UdpAddress> e = c.send(r.pdu(), f.javaTarget(r.user()));
        PDU p = e.getResponse();
        assertNotNull(p, "no answer to " + r);
        return p;
    }

    /** A copy of an object's OID with sub-identifiers appended (the definitions' OIDs are shared). */
    private static OID instance(String object, int... sub) {
        OID o = new OID(IpmpMib.object(object).oid());
        for (int s : sub) {
            o.append(s);
        }
        return o;
    }

    private static boolean moving(OID oid) {
        if (!oid.startsWith(IpmpMib.MIB) && !oid.startsWith(IF_TABLE) && !oid.startsWith(IF_X_TABLE)
                && !oid.startsWith(new OID("1.3.6.1.2.1.2.1"))) {
            return true; // snmp4j-agent's objects (counters, sysUpTime, ...): not this path's
        }
        return MOVING.stream().anyMatch(oid::startsWith) || trafficCounter(oid);
    }

    /** IF-MIB's traffic counters (ifInOctets..ifOutErrors, ifInMulticastPkts..ifHCOutBroadcastPkts): the kernel's, sampled once a second. */
    private static boolean trafficCounter(OID oid) {
        if (oid.size() > IF_TABLE.size() + 2 && oid.startsWith(IF_TABLE)) {
            int c = oid.get(IF_TABLE.size() + 1);
            return c >= IfMib.IF_IN_OCTETS && c <= IfMib.IF_OUT_ERRORS;
        }
        if (oid.size() > IF_X_TABLE.size() + 2 && oid.startsWith(IF_X_TABLE)) {
            int c = oid.get(IF_X_TABLE.size() + 1);
            return c >= IfMib.IFX_IN_MULTICAST_PKTS && c <= IfMib.IFX_HC_OUT_BROADCAST_PKTS;
        }
        return false;
    }

    private static List<String> shape(PDU p) {
        List<String> out = new ArrayList<>();
        out.add(PDU.getTypeString(p.getType()) + " status " + p.getErrorStatus() + " index " + p.getErrorIndex());
        for (VariableBinding vb : p.getVariableBindings()) {
            out.add(vb.getOid() + " " + vb.getVariable().getSyntaxString()
                    + (moving(vb.getOid()) ? "" : " = " + vb.getVariable()));
        }
        return out;
    }

    @Test
    void answersAreThoseOfSnmp4jAgent() throws Exception {
        f = SnmpFixture.standard(Map.of());
        f.awaitProbesOk();
        int tst0 = f.agent.model().current().ifindex("tst0");
        assertTrue(tst0 > 0, "tst0 has an ifindex");
        OID ipmpIfState = instance("ipmpIfState");
        OID lastIpmp = new OID(IpmpMib.MIB).append(new OID("99.99"));
        List<Request> requests = new ArrayList<>(List.of(
                get(new OID(IF_OPER_STATUS).append(tst0)),
                get(new OID(ipmpIfState).append(tst0), new OID(IF_OPER_STATUS).append(999_999),
                        instance("ipmpFailback", 0), instance("ipmpFailback", 1),
                        new OID(IpmpMib.IF_ENTRY).append(250).append(tst0),
                        instance("ipmpIfProbesSent", tst0)),
                get(SYS_DESCR, new OID(IF_OPER_STATUS).append(tst0)), // one binding outside: all through snmp4j-agent
                get(new OID("1.3.6.1.4.1.99999.7.1.0")), // in no object
                new Request(SnmpFixture.TRAP, 65507, PDU.GET, 0, 0, new OID(IF_OPER_STATUS).append(tst0)), // no read view
                new Request(SnmpFixture.RW, 65507, PDU.GETNEXT, 0, 0, IpmpMib.MIB, IF_TABLE),
                next(IF_TABLE, IpmpMib.MIB, new OID(IF_OPER_STATUS).append(tst0), new OID(IF_OPER_STATUS).append(0)),
                next(new OID(IF_TABLE).append(1).append(22)), // after ifTable: snmp4j-agent's snmp group
                next(new OID(IF_OPER_STATUS).append(new OID("7.1.2.3"))), next(lastIpmp), next(instance("ipmpLastChange", 0)),
                next(new OID(IpmpMib.MIB).append(1).append(4).append(1).append(999)),
                bulk(65507, 0, 60, IF_TABLE), bulk(65507, 0, 25, IF_TABLE, IF_X_TABLE, IpmpMib.MIB),
                bulk(65507, 1, 30, SYS_DESCR, IF_TABLE, IpmpMib.MIB), bulk(65507, 2, 10, IF_TABLE, IF_X_TABLE, IpmpMib.MIB),
                bulk(65507, 0, 50, lastIpmp), bulk(65507, 0, 5, lastIpmp, IF_X_TABLE),
                bulk(900, 0, 50, IpmpMib.MIB), bulk(484, 0, 40, IF_TABLE, IpmpMib.MIB), bulk(484, 1, 40, IF_TABLE, IpmpMib.MIB),
                bulk(65507, 0, 0, IF_TABLE), bulk(65507, 1, 0, IF_TABLE, IpmpMib.MIB)));
        // and a walk of all of ipmpd's objects, 50 at a time
        for (OID root : List.of(IF_TABLE, IF_X_TABLE, IpmpMib.MIB)) {
            OID at = root;
            while (at.startsWith(root)) {
                Request r = bulk(65507, 0, 50, at);
                requests.add(r);
                List<? extends VariableBinding> vbs = send(r).getVariableBindings();
                VariableBinding lastVb = vbs.get(vbs.size() - 1);
                if (lastVb.isException()) {
                    break;
                }
                at = lastVb.getOid();
            }
        }
        long before = f.agent.fastAnswers();
        List<List<String>> fast = new ArrayList<>();
        for (Request r : requests) {
            fast.add(shape(send(r)));
        }
        long answeredFast = f.agent.fastAnswers() - before;
        assertTrue(answeredFast >= 10, "the fast path answered " + answeredFast + " of " + requests.size());
        before = f.agent.fastAnswers();
        send(bulk(65507, 1, 5, instance("ipmpFailback"), IpmpMib.MIB));
        assertEquals(1, f.agent.fastAnswers() - before, "answered on the fast path: a GETBULK inside IPMP-MIB");
        send(get(SYS_DESCR));
        send(bulk(65507, 0, 100, IF_TABLE));
        assertEquals(1, f.agent.fastAnswers() - before, "answered on the fast path: sysDescr.0, a GETBULK past ifTable");
        f.agent.fastReads(false);
        before = f.agent.fastAnswers();
        for (int i = 0; i < requests.size(); i++) {
            assertEquals(shape(send(requests.get(i))), fast.get(i), requests.get(i).toString());
        }
        assertEquals(0, f.agent.fastAnswers() - before, "answers with the fast path off");
    }

    @Test
    void aResponseLengthIsAddedUpAsSnmp4jEncodesIt() {
        ScopedPDU p = new ScopedPDU();
        p.setType(PDU.RESPONSE);
        p.setRequestID(new org.snmp4j.smi.Integer32(1234567));
        p.setContextEngineID(new org.snmp4j.smi.OctetString(new byte[] {(byte) 0x80, 0, 0x1f, (byte) 0x88, 4, 1, 2, 3}));
        FastReads.ResponseLength length = new FastReads.ResponseLength(p);
        assertEquals(p.getBERLength(), length.length());
        // across the lengths where a BER length takes one more byte (127/128, 255/256)
        for (int i = 0; i < 60; i++) {
            VariableBinding vb = new VariableBinding(new OID("1.3.6.1.4.1.99999.1.1.4.1.2").append(i),
                    new org.snmp4j.smi.OctetString("x".repeat(i % 7)));
            assertTrue(length.fits(vb, p.getBERLength() + vb.getBERLength() + 6));
            p.add(vb);
            length.add(vb);
            assertEquals(p.getBERLength(), length.length(), "after " + (i + 1) + " bindings");
        }
    }
}
