package ipmpd.agent.snmp;

import org.snmp4j.CommandResponderEvent;
import org.snmp4j.PDU;
import org.snmp4j.agent.mo.snmp.CoexistenceInfo;
import org.snmp4j.agent.request.SnmpRequest;

import java.util.Iterator;

/**
 * snmp4j-agent's request, with a cheaper walk over its sub-requests. The stock sub-request
 * iterator compares the response's encoded length with the maximum at every hasNext(), to stop a
 * GETBULK response from growing past it; the GETBULK loop, the update of each binding's next
 * repetitions, the release of locks and the end of the request all walk the sub-requests, so the
 * length was asked for several times per binding, and each ask costs one step per binding:
 * quadratic, about a third of the work of a 50-repetition response.
 * <p>
 * Only appending a repetition can make the response too big. So while the request is processed
 * its response answers the length it last computed ({@link SizedScopedPDU#reuseLength}), and it is
 * computed afresh when the iterator is about to append a repetition, and when the response is
 * handed out to be sent: snmp4j-agent then trims a response that is still too big binding by
 * binding on its true length (CommandProcessor.sendResponse), as before. The length is asked for
 * nowhere else (snmp4j-agent 3.8.2).
 */
final class BulkRequest extends SnmpRequest {
    private static final long serialVersionUID = 1L;

    BulkRequest(CommandResponderEvent<?> event, CoexistenceInfo info) {
        super(event, info);
    }

    @Override
    protected synchronized void initSubRequests() {
        boolean fresh = subrequests == null;
        super.initSubRequests();
        if (fresh && response instanceof SizedScopedPDU sized) {
            sized.reuseLength(true);
        }
    }

    /** The response to send (or to trim): from now on its length is computed on every ask. */
    @Override
    public synchronized PDU getResponse() {
        PDU r = super.getResponse();
        if (r instanceof SizedScopedPDU sized) {
            sized.reuseLength(false);
        }
        return r;
    }

    @Override
    public Iterator<SnmpSubRequest> iterator() {
        initSubRequests();
        return new Steps();
    }

    private final class Steps extends SnmpSubRequestIterator {
        @Override
        public boolean hasNext() {
            synchronized (BulkRequest.this) {
                if (!(response instanceof SizedScopedPDU sized)) {
                    return super.hasNext();
                }
                // appending a repetition: the true length; walking existing ones: the last one computed
                boolean was = sized.reuseLength(cursor < subrequests.size());
                try {
                    return super.hasNext();
                } finally {
                    sized.reuseLength(was);
                }
            }
        }
    }
}
