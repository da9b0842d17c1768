package ipmpd.agent.snmp;

import org.snmp4j.ScopedPDU;
import org.snmp4j.asn1.BER;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

import java.util.Arrays;

/**
 * The scoped PDU of incoming requests, and so of their responses (snmp4j-agent clones the request
 * into the response). While it fills a GETBULK response, snmp4j-agent asks for the response's
 * encoded length after every variable binding it adds, and snmp4j recomputes it over all of them:
 * quadratic in the repetitions. Here each binding's length is kept, and recomputed only when the
 * binding no longer holds the same OID and value objects (snmp4j's VariableBinding copies what it
 * is given, so its OID and value are not shared with anyone who could change them in place).
 * <p>
 * Even so, snmp4j-agent's sub-request iterator asks for the whole length at every step of every
 * pass over the sub-requests (the GETBULK loop, releasing locks, finishing the request): each ask
 * walks all bindings. {@link #reuseLength} lets a caller that only needs the length as a stopping
 * hint read the one last computed ({@link BulkRequest} does, for sub-requests that already exist).
 */
final class SizedScopedPDU extends ScopedPDU {
    private static final long serialVersionUID = 1L;

    private transient VariableBinding[] bindings = new VariableBinding[0];
    private transient OID[] oids = new OID[0];
    private transient int[][] oidValues = new int[0][];
    private transient Variable[] values = new Variable[0];
    private transient int[] lengths = new int[0];
    /** The length last computed by {@link #getBERLength()}, -1 before the first time. */
    private transient int lastLength = -1;
    private transient boolean reuseLength;

    SizedScopedPDU() {
    }

    private SizedScopedPDU(SizedScopedPDU other) {
        super(other);
    }

    /** Refuses sub-identifiers above 2^32-1 before snmp4j truncates them ({@link WideSubIdentifiers}). */
    @Override
    public void decodeBER(org.snmp4j.asn1.BERInputStream in) throws java.io.IOException {
        WideSubIdentifiers.check(in);
        super.decodeBER(in);
    }

    @Override
    public Object clone() {
        return new SizedScopedPDU(this);
    }

    /**
     * While on, {@link #getBERLength()} answers the length it last computed (once computed at all):
     * a hint that may be behind bindings changed since. Whoever needs the true length (the
     * encoder, snmp4j-agent's trimming of a too-big response) asks while it is off.
     */
    boolean reuseLength(boolean on) {
        boolean was = reuseLength;
        reuseLength = on;
        return was;
    }

    @Override
    public int getBERLength() {
        if (reuseLength && lastLength >= 0) {
            return lastLength;
        }
        lastLength = super.getBERLength();
        return lastLength;
    }

    @Override
    protected int getBERPayloadLengthPDU() {
        int n = variableBindings.size();
        if (bindings.length < n) {
            int size = Math.max(n, bindings.length * 2);
            bindings = Arrays.copyOf(bindings, size);
            oids = Arrays.copyOf(oids, size);
            oidValues = Arrays.copyOf(oidValues, size);
            values = Arrays.copyOf(values, size);
            lengths = Arrays.copyOf(lengths, size);
        }
        int length = 0;
        for (int i = 0; i < n; i++) {
            VariableBinding vb = variableBindings.get(i);
            OID oid = vb.getOid();
            Variable value = vb.getVariable();
            if (bindings[i] != vb || oids[i] != oid || oidValues[i] != oid.getValue() || values[i] != value) {
                bindings[i] = vb;
                oids[i] = oid;
                oidValues[i] = oid.getValue();
                values[i] = value;
                lengths[i] = vb.getBERLength();
            }
            length += lengths[i];
        }
        length += BER.getBERLengthOfLength(length) + 1;
        // request ID, error status, error index (non-repeaters and max-repetitions of a GETBULK)
        length += getRequestID().getBERLength();
        length += new Integer32(getErrorStatus()).getBERLength();
        length += new Integer32(getErrorIndex()).getBERLength();
        return length;
    }
}
