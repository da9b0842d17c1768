package ipmpd.agent.snmp;

import org.snmp4j.CommandResponderEvent;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.agent.DefaultMOServer;
import org.snmp4j.agent.MOContextScope;
import org.snmp4j.agent.MOScope;
import org.snmp4j.agent.ManagedObject;
import org.snmp4j.agent.security.VACM;
import org.snmp4j.asn1.BER;
import org.snmp4j.mp.MPv3;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * GET, GETNEXT and GETBULK over ipmpd's own objects (IPMP-MIB, IF-MIB), answered without
 * snmp4j-agent's request machinery. For every variable binding of a walk that machinery builds a
 * sub-request, a scope, a VACM query, a lookup event and a lock request, searches the registry,
 * asks the object to search its instances once to be chosen and once more to answer, and
 * recomputes the response's length: about 1 ms for a 50-binding GETBULK, where net-snmp's snmpd
 * takes 0.4 ms. Here each repeated binding keeps a {@link LiveObjects.Cursor} on the object it is
 * in, so the next repetition is one step of an iterator, and the response's length is added up as
 * bindings are appended.
 * <p>
 * The answer is the same as snmp4j-agent's (FastReadsTest compares them): objects are visited in
 * the server's registry order, the request's VACM view filters every instance (a whole object at
 * once when the view decides for all of it), one model view and one set of probe statistics per
 * request, endOfMibView past the last object, a GETBULK stops after a repetition that is all
 * endOfMibView and at the largest response that fits the manager's size (RFC 3416 4.2.3).
 * <p>
 * Only what is certain is answered here; {@link #answer} returns null, having changed nothing, and
 * the request takes snmp4j-agent's path, when: the message is not SNMPv3, the context is not the
 * agent's default one, the user has no read view, a GETBULK has no repetitions, or an answer needs
 * an object that is not ipmpd's (SNMPv2-MIB, SNMP-TARGET-MIB, ...: the end of an ifTable walk
 * reaches the snmp group, for instance).
 */
final class FastReads {
    private final DefaultMOServer server;
    private final OctetString context;
    private final OctetString contextEngineId;
    private final Set<ManagedObject<?>> ours;
    private final StaticViews vacm;
    private final SnmpModel model;
    private volatile Registry registry;
    /** Requests answered here (for tests: that this path is taken at all). */
    private final LongAdder answered = new LongAdder();

    /**
     * @param ours the objects answered here (all {@link LiveObjects.Base}), registered in server under context
     */
    FastReads(DefaultMOServer server, OctetString context, OctetString contextEngineId, List<ManagedObject<?>> ours,
              StaticViews vacm, SnmpModel model) {
        this.server = server;
        this.context = context;
        this.contextEngineId = contextEngineId;
        this.ours = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        this.ours.addAll(ours);
        this.vacm = vacm;
        this.model = model;
    }

    /**
     * The server's registered objects of the default context in registry order, with the bounds
     * of their scopes; objects are registered at start only, so it is rebuilt only if their count
     * changes.
     */
    private static final class Registry {
        final int size;
        final Object[] objects;
        final OID[] lower;
        final boolean[] lowerIncluded;
        final OID[] upper;
        final boolean[] upperIncluded;
        /** Null for objects that are not ipmpd's. */
        final LiveObjects.Base[] live;
        /** False when scopes overlap or are out of order: then nothing is answered here. */
        final boolean usable;

        Registry(int size, List<Map.Entry<MOScope, ManagedObject<?>>> entries, Set<ManagedObject<?>> ours) {
            this.size = size;
            int n = entries.size();
            objects = new Object[n];
            lower = new OID[n];
            lowerIncluded = new boolean[n];
            upper = new OID[n];
            upperIncluded = new boolean[n];
            live = new LiveObjects.Base[n];
            boolean ok = true;
            for (int i = 0; i < n; i++) {
                MOScope s = entries.get(i).getKey();
                ManagedObject<?> mo = entries.get(i).getValue();
                objects[i] = mo;
                lower[i] = s.getLowerBound();
                lowerIncluded[i] = s.isLowerIncluded();
                upper[i] = s.getUpperBound();
                upperIncluded[i] = s.isUpperIncluded();
                live[i] = ours.contains(mo) && mo instanceof LiveObjects.Base b ? b : null;
                if (lower[i] == null || (i < n - 1 && upper[i] == null)) {
                    ok = false;
                }
                if (i > 0 && (upper[i - 1] == null || upper[i - 1].compareTo(lower[i]) > 0)) {
                    ok = false;
                }
            }
            usable = ok;
        }

        /** The first object (index) whose scope may hold an OID after {@code oid}; n when none. */
        int firstAfter(OID oid) {
            int lo = 0;
            int hi = objects.length;
            while (lo < hi) { // upper bounds ascend: the first with upper > oid (or unbounded)
                int mid = (lo + hi) >>> 1;
                if (upper[mid] == null || upper[mid].compareTo(oid) > 0) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo;
        }

        /** The object whose scope holds oid, or -1. */
        int holding(OID oid) {
            int i = firstAfter(oid);
            if (i < objects.length) {
                int c = oid.compareTo(lower[i]);
                if (c > 0 || (c == 0 && lowerIncluded[i])) {
                    return i;
                }
            }
            // an upper bound that is included holds the OID equal to it
            if (i > 0 && upperIncluded[i - 1] && oid.equals(upper[i - 1])) {
                return i - 1;
            }
            return -1;
        }
    }

    private Registry registry() {
        Registry r = registry;
        Map<MOScope, ManagedObject<?>> map = server.getRegistry();
        int size = map.size();
        if (r != null && r.size == size) {
            return r;
        }
        List<Map.Entry<MOScope, ManagedObject<?>>> entries = new ArrayList<>();
        for (Map.Entry<MOScope, ManagedObject<?>> e : map.entrySet()) { // registered before the agent listens
            OctetString c = e.getKey() instanceof MOContextScope cs ? cs.getContext() : null;
            if (c == null || c.equals(context)) {
                entries.add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        r = new Registry(size, entries, ours);
        registry = r;
        return r;
    }

    /** The probe statistics of one request: taken at the first binding that shows them. */
    private final class RequestStatistics implements LiveObjects.StatisticsSource {
        private SnmpModel.Statistics taken;

        @Override
        public SnmpModel.Statistics get() {
            if (taken == null) {
                taken = model.newStatistics();
            }
            return taken;
        }
    }

    /** What one request reads: the registry, the view's access decisions per object, the model view, statistics. */
    private final class Read {
        final Registry reg;
        final OctetString viewName;
        final SnmpModel.View view;
        final RequestStatistics statistics = new RequestStatistics();
        /** Per object: 0 not yet asked, 1 all in view, 2 none, 3 per OID. */
        final byte[] access;

        Read(Registry reg, OctetString viewName, SnmpModel.View view) {
            this.reg = reg;
            this.viewName = viewName;
            this.view = view;
            this.access = new byte[reg.objects.length];
        }

        int access(int i) {
            byte a = access[i];
            if (a == 0) {
                Boolean u = vacm.uniformAccess(viewName, reg.live[i].base);
                a = u == null ? (byte) 3 : u ? (byte) 1 : (byte) 2;
                access[i] = a;
            }
            return a;
        }

        boolean inView(int i, OID oid) {
            int a = access(i);
            return a == 1 || (a == 3 && vacm.isAccessAllowed(viewName, oid) == VACM.VACM_OK);
        }
    }

    /** Thrown (without a stack trace) when an answer needs an object that is not ipmpd's. */
    private static final class NotOurs extends Exception {
        private static final long serialVersionUID = 1L;
        static final NotOurs INSTANCE = new NotOurs();

        private NotOurs() {
            super(null, null, false, false);
        }
    }

    /** The successors of one OID, in order: the binding a GETNEXT answers, or a GETBULK's column. */
    private static final class Walk {
        private final Read read;
        private int object;
        private LiveObjects.Cursor cursor;
        /** The OID last answered (the request's at first): an endOfMibView binding carries it. */
        private OID last;
        private boolean end;

        Walk(Read read, OID from) throws NotOurs {
            this.read = read;
            this.last = from;
            this.object = read.reg.firstAfter(from);
            this.cursor = cursorOf(from);
        }

        private LiveObjects.Cursor cursorOf(OID after) throws NotOurs {
            if (object >= read.reg.objects.length) {
                end = true;
                return LiveObjects.Cursor.NONE;
            }
            LiveObjects.Base mo = read.reg.live[object];
            if (mo == null) {
                throw NotOurs.INSTANCE;
            }
            if (read.access(object) == 2) {
                return LiveObjects.Cursor.NONE;
            }
            return mo.cursor(read.view, after, read.statistics);
        }

        /** The next binding: an instance in view and its value, or endOfMibView. */
        VariableBinding next() throws NotOurs {
            while (!end) {
                if (cursor.advance()) {
                    if (read.inView(object, cursor.oid)) {
                        last = cursor.oid;
                        return new VariableBinding(cursor.oid, cursor.value);
                    }
                    continue;
                }
                object++;
                cursor = cursorOf(null);
            }
            return new VariableBinding(last, Null.endOfMibView);
        }

        boolean atEnd() {
            return end;
        }
    }

    /**
     * The response to a read request (GET, GETNEXT, GETBULK) that can be answered here, or null
     * (nothing done) when it must go through snmp4j-agent. The caller sends it as snmp4j-agent
     * would (trimming a GETBULK response that is still too big).
     */
    ScopedPDU answer(CommandResponderEvent<?> event) {
        if (event.getMessageProcessingModel() != MPv3.ID || !(event.getPDU() instanceof ScopedPDU request)) {
            return null;
        }
        int type = request.getType();
        if (type != PDU.GET && type != PDU.GETNEXT && type != PDU.GETBULK) {
            return null;
        }
        if (!contextEngineId.equals(request.getContextEngineID()) || !context.equals(request.getContextName())) {
            return null;
        }
        OctetString viewName = vacm.getViewName(request.getContextName(), new OctetString(event.getSecurityName()),
                event.getSecurityModel(), event.getSecurityLevel(), VACM.VIEW_READ);
        if (viewName == null || viewName.length() == 0) {
            return null;
        }
        Registry reg = registry();
        if (!reg.usable) {
            return null;
        }
        Read read = new Read(reg, viewName, model.current());
        ScopedPDU response = new ScopedPDU();
        response.setType(PDU.RESPONSE);
        response.setRequestID(request.getRequestID());
        response.setContextEngineID(request.getContextEngineID());
        response.setContextName(request.getContextName());
        try {
            switch (type) {
                case PDU.GET -> get(read, request, response);
                case PDU.GETNEXT -> {
                    for (VariableBinding vb : request.getVariableBindings()) {
                        response.add(new Walk(read, vb.getOid()).next());
                    }
                }
                default -> {
                    if (!bulk(read, request, response, event.getMaxSizeResponsePDU())) {
                        return null;
                    }
                }
            }
        } catch (NotOurs e) {
            return null;
        }
        answered.increment();
        return response;
    }

    long answered() {
        return answered.sum();
    }

    private static void get(Read read, ScopedPDU request, ScopedPDU response) throws NotOurs {
        for (VariableBinding vb : request.getVariableBindings()) {
            OID oid = vb.getOid();
            int i = read.reg.holding(oid);
            if (i < 0 || read.reg.live[i] == null) {
                throw NotOurs.INSTANCE;
            }
            Variable value = read.inView(i, oid) ? read.reg.live[i].getValue(read.view, oid, read.statistics)
                    : Null.noSuchObject;
            response.add(new VariableBinding(oid, value));
        }
    }

    /**
     * Non-repeaters, then repetitions of the rest while the response fits maxSize; false when the
     * request is left to snmp4j-agent (no repetitions asked for).
     */
    private static boolean bulk(Read read, ScopedPDU request, ScopedPDU response, int maxSize) throws NotOurs {
        List<? extends VariableBinding> vbs = request.getVariableBindings();
        int nonRepeaters = Math.max(0, Math.min(request.getNonRepeaters(), vbs.size()));
        int repetitions = request.getMaxRepetitions();
        if (repetitions <= 0) {
            return false;
        }
        ResponseLength length = new ResponseLength(response);
        for (int i = 0; i < nonRepeaters; i++) {
            VariableBinding vb = new Walk(read, vbs.get(i).getOid()).next();
            response.add(vb);
            length.add(vb);
        }
        Walk[] walks = new Walk[vbs.size() - nonRepeaters];
        for (int i = 0; i < walks.length; i++) {
            walks[i] = new Walk(read, vbs.get(nonRepeaters + i).getOid());
        }
        for (int r = 0; r < repetitions && walks.length > 0; r++) {
            boolean allEnd = true;
            for (Walk w : walks) {
                VariableBinding vb = w.next();
                if (!length.fits(vb, maxSize)) {
                    return true;
                }
                response.add(vb);
                length.add(vb);
                allEnd &= w.atEnd();
            }
            if (allEnd) {
                break;
            }
        }
        return true;
    }

    /** The encoded length of a scoped response PDU as bindings are appended (without encoding them again). */
    static final class ResponseLength {
        private final int pduFixed;
        private final int scopedFixed;
        private int bindings;

        ResponseLength(ScopedPDU response) {
            pduFixed = response.getRequestID().getBERLength() + new Integer32(response.getErrorStatus()).getBERLength()
                    + new Integer32(response.getErrorIndex()).getBERLength();
            scopedFixed = response.getContextEngineID().getBERLength() + response.getContextName().getBERLength();
            for (VariableBinding vb : response.getVariableBindings()) {
                bindings += vb.getBERLength();
            }
        }

        void add(VariableBinding vb) {
            bindings += vb.getBERLength();
        }

        /** Whether the response would still fit maxSize with vb appended. */
        boolean fits(VariableBinding vb, int maxSize) {
            return lengthWith(bindings + vb.getBERLength()) <= maxSize;
        }

        /** The response's length now (what ScopedPDU.getBERLength() answers). */
        int length() {
            return lengthWith(bindings);
        }

        private int lengthWith(int bindingBytes) {
            int list = 1 + BER.getBERLengthOfLength(bindingBytes) + bindingBytes;
            int pduContent = pduFixed + list;
            int pdu = 1 + BER.getBERLengthOfLength(pduContent) + pduContent;
            int scopedContent = scopedFixed + pdu;
            return 1 + BER.getBERLengthOfLength(scopedContent) + scopedContent;
        }
    }
}
