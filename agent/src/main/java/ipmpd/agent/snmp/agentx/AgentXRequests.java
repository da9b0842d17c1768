package ipmpd.agent.snmp.agentx;

import ipmpd.agent.snmp.agentx.AgentXPdu.SearchRange;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.VariableBinding;

import java.util.ArrayList;
import java.util.List;

/**
 * The read PDUs of RFC 2741 7.2.3 over an {@link AgentXMibAccess.Reader}: Get answers each start
 * OID; GetNext the first instance of each search range (endOfMibView, named by the range's start,
 * when there is none); GetBulk its non-repeaters as GetNext, then up to max-repetitions rounds of
 * the rest, each round going on from the previous one's answer, stopping after a round that is all
 * endOfMibView (and at {@link #MAX_BULK_VARBINDS} bindings).
 */
final class AgentXRequests {
    /** The most bindings one GetBulk answer holds (as the standalone agent; the master asks again). */
    static final int MAX_BULK_VARBINDS = 100;

    private AgentXRequests() {
    }

    static List<VariableBinding> get(AgentXMibAccess.Reader r, List<SearchRange> ranges) {
        List<VariableBinding> out = new ArrayList<>(ranges.size());
        for (SearchRange s : ranges) {
            out.add(new VariableBinding(s.start(), r.get(s.start())));
        }
        return out;
    }

    static VariableBinding next(AgentXMibAccess.Reader r, SearchRange s) {
        VariableBinding vb = r.next(s.start(), s.include(), s.end());
        return vb != null ? vb : new VariableBinding(s.start(), Null.endOfMibView);
    }

    static List<VariableBinding> getNext(AgentXMibAccess.Reader r, List<SearchRange> ranges) {
        List<VariableBinding> out = new ArrayList<>(ranges.size());
        for (SearchRange s : ranges) {
            out.add(next(r, s));
        }
        return out;
    }

    static List<VariableBinding> getBulk(AgentXMibAccess.Reader r, int nonRepeaters, int maxRepetitions,
                                         List<SearchRange> ranges) {
        int n = Math.min(nonRepeaters, ranges.size());
        List<VariableBinding> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(next(r, ranges.get(i)));
        }
        List<SearchRange> repeated = new ArrayList<>(ranges.subList(n, ranges.size()));
        if (repeated.isEmpty()) {
            return out;
        }
        int rounds = Math.min(maxRepetitions, Math.max(1, (MAX_BULK_VARBINDS - out.size()) / repeated.size()));
        for (int round = 0; round < rounds; round++) {
            boolean allEnd = true;
            for (int i = 0; i < repeated.size(); i++) {
                SearchRange s = repeated.get(i);
                VariableBinding vb = next(r, s);
                out.add(vb);
                if (!vb.getVariable().equals(Null.endOfMibView)) {
                    allEnd = false;
                    repeated.set(i, new SearchRange(vb.getOid(), false, s.end()));
                }
            }
            if (allEnd) {
                break;
            }
        }
        return out;
    }

    /** Whether an OID lies before the end of a range (null: no end). */
    static boolean beforeEnd(OID oid, OID end) {
        return end == null || oid.compareTo(end) < 0;
    }
}
