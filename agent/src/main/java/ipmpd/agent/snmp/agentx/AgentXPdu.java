package ipmpd.agent.snmp.agentx;

import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.VariableBinding;

import java.util.List;
import java.util.Objects;

/**
 * One AgentX PDU (RFC 2741 section 6): the header's fields and the payload of its type. The
 * context is null for the default context (and for the types that carry none).
 */
public record AgentXPdu(Header header, OctetString context, Payload payload) {
    /** PDU types (h.type). */
    public static final int OPEN = 1;
    public static final int CLOSE = 2;
    public static final int REGISTER = 3;
    public static final int UNREGISTER = 4;
    public static final int GET = 5;
    public static final int GET_NEXT = 6;
    public static final int GET_BULK = 7;
    public static final int TEST_SET = 8;
    public static final int COMMIT_SET = 9;
    public static final int UNDO_SET = 10;
    public static final int CLEANUP_SET = 11;
    public static final int NOTIFY = 12;
    public static final int PING = 13;
    public static final int INDEX_ALLOCATE = 14;
    public static final int INDEX_DEALLOCATE = 15;
    public static final int ADD_AGENT_CAPS = 16;
    public static final int REMOVE_AGENT_CAPS = 17;
    public static final int RESPONSE = 18;

    /** Header flags (h.flags). */
    public static final int FLAG_INSTANCE_REGISTRATION = 0x01;
    public static final int FLAG_NEW_INDEX = 0x02;
    public static final int FLAG_ANY_INDEX = 0x04;
    public static final int FLAG_NON_DEFAULT_CONTEXT = 0x08;
    public static final int FLAG_NETWORK_BYTE_ORDER = 0x10;

    /** res.error values of the AgentX administrative PDUs (SET answers use SNMP's error statuses). */
    public static final int NO_ERROR = 0;
    public static final int OPEN_FAILED = 256;
    public static final int NOT_OPEN = 257;
    public static final int UNSUPPORTED_CONTEXT = 262;
    public static final int DUPLICATE_REGISTRATION = 263;
    public static final int UNKNOWN_REGISTRATION = 264;
    public static final int PARSE_ERROR = 266;
    public static final int REQUEST_DENIED = 267;
    public static final int PROCESSING_ERROR = 268;

    /** Close-PDU reasons. */
    public static final int REASON_OTHER = 1;
    public static final int REASON_PARSE_ERROR = 2;
    public static final int REASON_PROTOCOL_ERROR = 3;
    public static final int REASON_TIMEOUTS = 4;
    public static final int REASON_SHUTDOWN = 5;
    public static final int REASON_BY_MANAGER = 6;

    public AgentXPdu {
        Objects.requireNonNull(header);
        Objects.requireNonNull(payload);
        if (payload.type() != header.type()) {
            throw new IllegalArgumentException("header type " + header.type() + " with a payload of type " + payload.type());
        }
    }

    public int type() {
        return header.type();
    }

    /** The 20-byte header (RFC 2741 6.1); h.payload_length is computed when encoding. */
    public record Header(int type, int flags, int sessionId, int transactionId, int packetId) {
        public Header withType(int t) {
            return new Header(t, flags, sessionId, transactionId, packetId);
        }
    }

    /** The part after the header (and context), by PDU type. */
    public sealed interface Payload {
        int type();
    }

    /** o.timeout (seconds, 0: the master's default), o.id, o.descr. */
    public record Open(int timeout, OID id, OctetString description) implements Payload {
        public int type() {
            return OPEN;
        }
    }

    public record Close(int reason) implements Payload {
        public int type() {
            return CLOSE;
        }
    }

    /**
     * Register-PDU or Unregister-PDU (the timeout is not sent in an Unregister): range_subid 0
     * registers the subtree; otherwise that sub-identifier (1-based) ranges up to upperBound.
     */
    public record Registration(int type, int timeout, int priority, int rangeSubid, OID subtree, long upperBound)
            implements Payload {
        public Registration {
            if (type != REGISTER && type != UNREGISTER) {
                throw new IllegalArgumentException("not a (un)registration type: " + type);
            }
        }
    }

    /** Get, GetNext or GetBulk: the search ranges (and for GetBulk non_repeaters, max_repetitions). */
    public record Search(int type, int nonRepeaters, int maxRepetitions, List<SearchRange> ranges) implements Payload {
        public Search {
            if (type != GET && type != GET_NEXT && type != GET_BULK) {
                throw new IllegalArgumentException("not a read type: " + type);
            }
            ranges = List.copyOf(ranges);
        }
    }

    /** TestSet or Notify: a variable binding list. */
    public record Bindings(int type, List<VariableBinding> bindings) implements Payload {
        public Bindings {
            if (type != TEST_SET && type != NOTIFY) {
                throw new IllegalArgumentException("not a TestSet or Notify: " + type);
            }
            bindings = List.copyOf(bindings);
        }
    }

    /** The PDUs that are a header alone (CommitSet, UndoSet, CleanupSet, Ping). */
    public record Empty(int type) implements Payload {
        public Empty {
            if (type != COMMIT_SET && type != UNDO_SET && type != CLEANUP_SET && type != PING) {
                throw new IllegalArgumentException("type " + type + " has a payload");
            }
        }
    }

    /** AddAgentCaps (id and description) or RemoveAgentCaps (id; description null). */
    public record AgentCaps(int type, OID id, OctetString description) implements Payload {
        public AgentCaps {
            if (type != ADD_AGENT_CAPS && type != REMOVE_AGENT_CAPS) {
                throw new IllegalArgumentException("not an agent capabilities type: " + type);
            }
            if ((type == ADD_AGENT_CAPS) != (description != null)) {
                throw new IllegalArgumentException("AddAgentCaps has a description, RemoveAgentCaps none");
            }
        }
    }

    /** IndexAllocate or IndexDeallocate (not used by ipmpd; decoded so a session can refuse them). */
    public record Index(int type, List<VariableBinding> bindings) implements Payload {
        public Index {
            if (type != INDEX_ALLOCATE && type != INDEX_DEALLOCATE) {
                throw new IllegalArgumentException("not an index type: " + type);
            }
            bindings = List.copyOf(bindings);
        }
    }

    /** res.sysUpTime, res.error, res.index (1-based varbind of the error; 0 for none), the bindings. */
    public record Response(long sysUpTime, int error, int index, List<VariableBinding> bindings) implements Payload {
        public Response {
            bindings = List.copyOf(bindings);
        }

        public int type() {
            return RESPONSE;
        }
    }

    /** A SearchRange: start (included in the answer when include is set) up to end (excluded; null: no end). */
    public record SearchRange(OID start, boolean include, OID end) {
        public SearchRange {
            Objects.requireNonNull(start);
        }
    }
}
