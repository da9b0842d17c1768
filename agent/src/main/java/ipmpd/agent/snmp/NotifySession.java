package ipmpd.agent.snmp;

import ipmpd.agent.IpmpdLog;
import org.snmp4j.MessageDispatcher;
import org.snmp4j.PDU;
import org.snmp4j.Snmp;
import org.snmp4j.Target;
import org.snmp4j.event.CounterEvent;
import org.snmp4j.event.CounterListener;
import org.snmp4j.event.ResponseEvent;
import org.snmp4j.event.ResponseListener;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.Address;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The session notifications leave through. snmp4j-agent's notification originator sends an inform
 * and waits for its acknowledgement (up to timeout x retries) before it turns to the next
 * destination and the next notification: one slow or dead inform receiver would hold back every
 * trap behind it. Here an inform is sent asynchronously (snmp4j retransmits it on its timer
 * thread) and the caller goes on at once; a receiver that never acknowledges is logged.
 */
final class NotifySession extends Snmp {
    /** What became of the informs sent: acknowledged, never acknowledged, and retransmissions. */
    record InformCounts(long acknowledged, long unacknowledged, long retransmissions) {
    }

    private final IpmpdLog log;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong unacked = new AtomicLong();
    private final AtomicLong retransmissions = new AtomicLong();
    private final AtomicLong trapsSent = new AtomicLong();
    private final AtomicLong informsSent = new AtomicLong();
    private final CounterListener retries = new CounterListener() {
        @Override
        public void incrementCounter(CounterEvent event) {
            if (event.getSource() == NotifySession.this
                    && SnmpConstants.snmp4jStatsRequestRetries.equals(event.getOid())) {
                retransmissions.incrementAndGet();
            }
        }
    };
    private final ResponseListener acknowledged = new ResponseListener() {
        @Override
        public <A extends Address> void onResponse(ResponseEvent<A> event) {
            // stop snmp4j's retransmissions and forget the request (it keeps it until cancelled)
            ((Snmp) event.getSource()).cancel(event.getRequest(), this);
            (event.getResponse() == null ? unacked : acked).incrementAndGet();
            if (event.getResponse() == null) {
                // the peer address of a timed-out request is null: the destination is the target's
                Object to = event.getUserObject() instanceof Target<?> t ? t.getAddress() : event.getPeerAddress();
                log.warning("SNMP: inform to " + to + " not acknowledged"
                        + (event.getError() != null ? ": " + LogText.quote(String.valueOf(event.getError().getMessage()))
                        : " (timeout)"));
            }
        }
    };

    NotifySession(MessageDispatcher dispatcher, IpmpdLog log) {
        super(dispatcher);
        this.log = log;
        getCounterSupport().addCounterListener(retries);
    }

    InformCounts informCounts() {
        return new InformCounts(acked.get(), unacked.get(), retransmissions.get());
    }

    @Override
    public void close() throws IOException {
        getCounterSupport().removeCounterListener(retries);
        super.close();
    }

    /** Traps as usual; informs without waiting (returns null: no response to report). */
    @Override
    public <A extends Address> ResponseEvent<A> send(PDU pdu, Target<A> target) throws IOException {
        if (!pdu.isConfirmedPdu()) {
            ResponseEvent<A> r = super.send(pdu, target);
            trapsSent.incrementAndGet();
            return r;
        }
        super.send(pdu, target, target, acknowledged);
        informsSent.incrementAndGet();
        return null;
    }

    /** Traps sent (one per destination). */
    long trapsSent() {
        return trapsSent.get();
    }

    /** Informs sent (one per destination; retransmissions not counted). */
    long informsSent() {
        return informsSent.get();
    }
}
