// A small SNMPv3 (authPriv, SHA-256 / AES-128) client for SnmpBench, on snmp4j.
//
// The tests module does not depend on snmp4j, so SnmpBench writes this file out and runs it with the
// JDK's source launcher against the agent's libraries:
//     java -cp 'agent/target/lib/*' SnmpBenchClient.java MODE ...
// Modes (SEC = USER AUTH-PASSWORD PRIV-PASSWORD):
//     get   HOST PORT SEC OID WARMUP COUNT   synchronous GETs of one OID, one outstanding; prints
//                                            "GET n=.. seconds=.. rate=.. p50us=.. p99us=.. errors=.. warmup-failures=.."
//                                            (a failed warm-up GET, e.g. a timeout, is counted; more than 10 end it)
//     walk  HOST PORT SEC MAXREP RUNS ROOT...  GETBULK walks of each subtree, RUNS times; prints
//                                            "WALK ROOT varbinds=.. ms=.." per walk
import java.util.List;
import java.util.Locale;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Snmp;
import org.snmp4j.UserTarget;
import org.snmp4j.event.ResponseEvent;
import org.snmp4j.mp.CounterSupport;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModels;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.DefaultUdpTransportMapping;

public final class SnmpBenchClient {
    private static USM usm;

    private static Snmp session(UdpAddress listen) throws Exception {
        byte[] localId = MPv3.createLocalEngineID();
        SecurityProtocols sp = new SecurityProtocols(SecurityProtocols.SecurityProtocolSet.none);
        sp.addAuthenticationProtocol(new AuthHMAC192SHA256());
        sp.addPrivacyProtocol(new PrivAES128());
        CounterSupport counters = new CounterSupport();
        usm = new USM(sp, new OctetString(localId), 0, counters);
        SecurityModels models = new SecurityModels();
        models.addSecurityModel(usm);
        MessageDispatcherImpl md = new MessageDispatcherImpl();
        md.addMessageProcessingModel(new MPv3(localId, null, sp, models, counters));
        DefaultUdpTransportMapping t = listen == null ? new DefaultUdpTransportMapping() : new DefaultUdpTransportMapping(listen, false);
        Snmp snmp = new Snmp(md, t);
        snmp.listen();
        return snmp;
    }

    private static UsmUser user(String name, String auth, String priv) {
        return new UsmUser(new OctetString(name), AuthHMAC192SHA256.ID, new OctetString(auth), PrivAES128.ID, new OctetString(priv));
    }

    private static UserTarget<UdpAddress> target(String host, String port, String name) {
        UserTarget<UdpAddress> t = new UserTarget<>();
        t.setAddress(new UdpAddress(host + "/" + port));
        t.setVersion(SnmpConstants.version3);
        t.setSecurityLevel(SecurityLevel.AUTH_PRIV);
        t.setSecurityName(new OctetString(name));
        t.setTimeout(3000);
        t.setRetries(0);
        return t;
    }

    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "get" -> get(a);
            case "walk" -> walk(a);
            default -> throw new IllegalArgumentException("mode " + a[0]);
        }
    }

    private static void get(String[] a) throws Exception {
        Snmp snmp = session(null);
        snmp.getUSM().addUser(new OctetString(a[3]), user(a[3], a[4], a[5]));
        UserTarget<UdpAddress> t = target(a[1], a[2], a[3]);
        OID oid = new OID(a[6]);
        int warmup = Integer.parseInt(a[7]);
        int count = Integer.parseInt(a[8]);
        long[] lat = new long[count];
        int errors = 0;
        int warmupFailures = 0;
        long t0 = 0;
        for (int i = -warmup; i < count; i++) {
            if (i == 0) {
                t0 = System.nanoTime();
            }
            ScopedPDU p = new ScopedPDU();
            p.setType(PDU.GET);
            p.add(new VariableBinding(oid));
            long s = System.nanoTime();
            ResponseEvent<UdpAddress> r = snmp.send(p, t);
            long d = System.nanoTime() - s;
            PDU resp = r.getResponse();
            boolean bad = resp == null || resp.getErrorStatus() != 0 || resp.size() != 1 || resp.get(0).isException();
            if (i < 0 && bad) {
                warmupFailures++;
                if (warmupFailures > 10) {
                    System.out.println("ERROR warm-up GET of " + oid + ": " + (resp == null ? "timeout" : resp));
                    System.exit(1);
                }
            }
            if (i >= 0) {
                lat[i] = d;
                if (bad) {
                    errors++;
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long[] s = lat.clone();
        java.util.Arrays.sort(s);
        System.out.printf(Locale.ROOT, "GET n=%d seconds=%.3f rate=%.1f p50us=%.1f p99us=%.1f errors=%d warmup-failures=%d%n", count,
                secs, count / secs, s[count / 2] / 1e3, s[Math.min(count - 1, (int) Math.ceil(count * 0.99) - 1)] / 1e3, errors,
                warmupFailures);
        snmp.close();
    }

    private static void walk(String[] a) throws Exception {
        Snmp snmp = session(null);
        snmp.getUSM().addUser(new OctetString(a[3]), user(a[3], a[4], a[5]));
        UserTarget<UdpAddress> t = target(a[1], a[2], a[3]);
        // a datagram lost now and then (either agent) costs that walk 3 s, which the median leaves out,
        // instead of the whole run
        t.setRetries(1);
        int maxRep = Integer.parseInt(a[6]);
        int runs = Integer.parseInt(a[7]);
        for (int run = 0; run < runs; run++) {
            for (int ri = 8; ri < a.length; ri++) {
                OID root = new OID(a[ri]);
                long s = System.nanoTime();
                int n = 0;
                OID next = root;
                walk:
                while (true) {
                    ScopedPDU p = new ScopedPDU();
                    p.setType(PDU.GETBULK);
                    p.setMaxRepetitions(maxRep);
                    p.setNonRepeaters(0);
                    p.add(new VariableBinding(next));
                    ResponseEvent<UdpAddress> r = snmp.send(p, t);
                    PDU resp = r.getResponse();
                    if (resp == null || resp.getErrorStatus() != 0) {
                        System.out.println("ERROR walk of " + root + " after " + n + ": " + (resp == null ? "timeout" : resp));
                        System.exit(1);
                    }
                    if (resp.size() == 0) {
                        break;
                    }
                    for (VariableBinding vb : resp.getVariableBindings()) {
                        if (vb.isException() || !vb.getOid().startsWith(root)) {
                            break walk;
                        }
                        n++;
                        next = vb.getOid();
                    }
                }
                System.out.printf(Locale.ROOT, "WALK %s varbinds=%d ms=%.3f%n", root, n, (System.nanoTime() - s) / 1e6);
            }
        }
        snmp.close();
    }
}
