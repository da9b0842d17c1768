package ipmpd.agent.snmp;

import ipmpd.agent.IpmpdLog;
import org.snmp4j.agent.NotificationOriginator;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.VariableBinding;

import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * What SNMPv2-MIB's authenticationFailure goes through (snmp4j-agent sends it, when
 * snmpEnableAuthenTraps is enabled, on the thread that read the forged datagram): at most
 * {@link #BURST} at once and one a second after that, handed to the notification thread (the
 * listener thread goes back to reading requests at once), so a flood of forged packets neither
 * floods the managers nor holds back a real linkDown. What was left out is counted and logged at
 * most once a minute. Other notifications pass through unchanged.
 */
final class AuthFailureNotifications implements NotificationOriginator {
    static final int BURST = 3;
    static final long INTERVAL_NS = 1_000_000_000L;
    static final long LOG_INTERVAL_NS = 60_000_000_000L;

    private final NotificationOriginator others;
    private final BiConsumer<OID, VariableBinding[]> send;
    private final IpmpdLog log;
    private final LongSupplier nanos;
    private final Object lock = new Object();
    private double tokens = BURST;
    private long refilledNs;
    private long suppressed;
    private long suppressedLogged;
    private long lastLogNs;
    private boolean logged;

    /**
     * @param others what every other notification goes to
     * @param send   sends an authenticationFailure from the notification thread (returns at once)
     */
    AuthFailureNotifications(NotificationOriginator others, BiConsumer<OID, VariableBinding[]> send, IpmpdLog log,
                             LongSupplier nanos) {
        this.others = others;
        this.send = send;
        this.log = log;
        this.nanos = nanos;
        this.refilledNs = nanos.getAsLong();
    }

    @Override
    public Object notify(OctetString context, OID trap, VariableBinding[] vbs) {
        if (!SnmpConstants.authenticationFailure.equals(trap)) {
            return others.notify(context, trap, vbs);
        }
        authenticationFailure(vbs);
        return null;
    }

    @Override
    public Object notify(OctetString context, OID trap, TimeTicks sysUpTime, VariableBinding[] vbs) {
        if (!SnmpConstants.authenticationFailure.equals(trap)) {
            return others.notify(context, trap, sysUpTime, vbs);
        }
        authenticationFailure(vbs);
        return null;
    }

    private void authenticationFailure(VariableBinding[] vbs) {
        boolean go;
        String line = null;
        synchronized (lock) {
            long now = nanos.getAsLong();
            tokens = Math.min(BURST, tokens + (double) (now - refilledNs) / INTERVAL_NS);
            refilledNs = now;
            go = tokens >= 1;
            if (go) {
                tokens -= 1;
            } else {
                suppressed++;
            }
            if (suppressed > suppressedLogged && (!logged || now - lastLogNs >= LOG_INTERVAL_NS)) {
                line = "SNMP: authentication failures: " + (suppressed - suppressedLogged)
                        + " not notified (at most " + BURST + " at once, then one a second)";
                suppressedLogged = suppressed;
                lastLogNs = now;
                logged = true;
            }
        }
        if (go) {
            send.accept(SnmpConstants.authenticationFailure, vbs == null ? new VariableBinding[0] : vbs);
        }
        if (line != null) {
            log.warning(line);
        }
    }

    /** authenticationFailure notifications left out so far. */
    long suppressed() {
        synchronized (lock) {
            return suppressed;
        }
    }
}
