package ipmpd.agent.snmp;

import ipmpd.engine.ProbeStatistics;
import org.snmp4j.PDU;
import org.snmp4j.agent.DefaultMOScope;
import org.snmp4j.agent.MOQuery;
import org.snmp4j.agent.MOQueryWithSource;
import org.snmp4j.agent.MOScope;
import org.snmp4j.agent.mo.GenericManagedObject;
import org.snmp4j.agent.request.Request;
import org.snmp4j.agent.request.SubRequest;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.Function;

/**
 * Managed objects whose values are computed from the {@link SnmpModel.View} of the request (kept
 * by the model until the engine's model changes) and, for probe statistics, from the request's
 * {@link SnmpModel.Statistics}: a GET after a failover sees the failover. Writable
 * objects hand the four SET phases to a {@link Writer}, which treats the PDU as one transaction.
 */
final class LiveObjects {
    private LiveObjects() {
    }

    /** MAX-ACCESS, as the MIB says it. */
    enum Access {
        NOT_ACCESSIBLE("not-accessible"), ACCESSIBLE_FOR_NOTIFY("accessible-for-notify"), READ_ONLY("read-only"),
        READ_WRITE("read-write"), READ_CREATE("read-create");

        final String mib;

        Access(String mib) {
            this.mib = mib;
        }

        boolean readable() {
            return this == READ_ONLY || this == READ_WRITE || this == READ_CREATE;
        }

        boolean writable() {
            return this == READ_WRITE || this == READ_CREATE;
        }
    }

    /** One object of a MIB as the agent implements it (the conformance test compares these with the MIB file). */
    record ObjectDef(String name, OID oid, Access access) {
    }

    /** A row of a live table: the value of a column, or null when the row has no such instance. */
    interface Row {
        /** @param statistics the probe statistics of the request (asked for only by the columns that show them) */
        Variable value(int column, StatisticsSource statistics);
    }

    /** The probe statistics a request reads, taken when first asked for; null: use the view's own. */
    interface StatisticsSource {
        SnmpModel.Statistics get();

        /** For telling whether an instance exists: no statistics needed. */
        StatisticsSource NONE = () -> null;

        /** The interface's statistics of the request; the view's own when there are none (NONE) or it is gone since. */
        default ProbeStatistics live(ipmpd.engine.EngineSnapshot.InterfaceInfo i) {
            SnmpModel.Statistics s = get();
            ProbeStatistics p = s == null ? null : s.of(i.name());
            return p != null ? p : new ProbeStatistics(i.probesSent(), i.probesAcked(), i.probesLost(), i.rttAvgNs(),
                    i.rttDevNs(), Map.of());
        }

        /** A target's round-trip time of the request; the view's own when there is none. */
        default ProbeStatistics.TargetRtt live(String ifname, ipmpd.engine.EngineSnapshot.TargetInfo t) {
            SnmpModel.Statistics s = get();
            ProbeStatistics p = s == null ? null : s.of(ifname);
            ProbeStatistics.TargetRtt r = p == null ? null : p.targets().get(t.address());
            return r != null ? r : new ProbeStatistics.TargetRtt(t.rttAvgNs(), t.rttDevNs());
        }
    }

    /** The SET phases of writable objects (one instance handles every writable object of a MIB). */
    interface Writer {
        void prepare(SubRequest<?> sub);

        void commit(SubRequest<?> sub);

        void undo(SubRequest<?> sub);

        void cleanup(SubRequest<?> sub);
    }

    /** The view a request reads: the one pinned to the request, or the current one. */
    interface Views {
        SnmpModel.View view(Request<?, ?, ?> request);

        /** The probe statistics of a request (pinned to it at first use). */
        SnmpModel.Statistics statistics(Request<?, ?, ?> request);
    }

    static StatisticsSource statisticsOf(Views views, Request<?, ?, ?> request) {
        return () -> views.statistics(request);
    }

    static SnmpModel.View viewOf(Views views, Object source) {
        return views.view(source instanceof Request<?, ?, ?> r ? r : null);
    }

    static void notWritable(SubRequest<?> sub) {
        sub.getStatus().setErrorStatus(PDU.notWritable);
        sub.getStatus().setPhaseComplete(true);
    }

    static void phaseDone(SubRequest<?> sub) {
        sub.getStatus().setPhaseComplete(true);
    }

    /** Base of the two kinds: scope, and the SET phases for read-only objects. */
    abstract static class Base implements GenericManagedObject {
        final OID base;
        final DefaultMOScope scope;
        final Views views;
        final Writer writer;

        Base(OID base, Views views, Writer writer) {
            this.base = base;
            this.scope = new DefaultMOScope(new OID(base), true, new OID(base).nextPeer(), false);
            this.views = views;
            this.writer = writer;
        }

        @Override
        public MOScope getScope() {
            return scope;
        }

        /** Whether the SET of this OID goes to the writer (a writable object of this MO). */
        abstract boolean writableOid(OID oid);

        @Override
        public void prepare(SubRequest<?> sub) {
            if (writer == null || !writableOid(sub.getVariableBinding().getOid())) {
                notWritable(sub);
                return;
            }
            writer.prepare(sub);
        }

        @Override
        public void commit(SubRequest<?> sub) {
            if (writer == null) {
                phaseDone(sub);
            } else {
                writer.commit(sub);
            }
        }

        @Override
        public void undo(SubRequest<?> sub) {
            if (writer == null) {
                phaseDone(sub);
            } else {
                writer.undo(sub);
            }
        }

        @Override
        public void cleanup(SubRequest<?> sub) {
            if (writer == null) {
                phaseDone(sub);
            } else {
                writer.cleanup(sub);
            }
        }

        @Override
        public OID find(MOScope range) {
            return first(range, views.view(null), o -> true);
        }

        @Override
        public OID find(MOQuery query, Function<OID, Boolean> filter) {
            Object src = query instanceof MOQueryWithSource q ? q.getSource() : null;
            SnmpModel.View v = viewOf(views, src);
            OID found = first(query.getScope(), v, filter);
            if (src instanceof Request<?, ?, ?> r) {
                LastFind.remember(this, r, v, query.getScope(), found);
            }
            return found;
        }

        @Override
        public boolean next(SubRequest<?> sub) {
            return next(sub, o -> true);
        }

        @Override
        public boolean next(SubRequest<?> sub, Function<OID, Boolean> filter) {
            SnmpModel.View v = views.view(sub.getRequest());
            OID found = LastFind.take(this, sub.getRequest(), v, sub.getScope());
            if (found == null) {
                found = first(sub.getScope(), v, filter);
            }
            if (found == null) {
                return false;
            }
            VariableBinding vb = sub.getVariableBinding();
            vb.setOid(found);
            vb.setVariable(value(v, found, statisticsOf(views, sub.getRequest())));
            sub.completed();
            return true;
        }

        /** The first instance inside range (honouring its bounds) that the filter accepts. */
        abstract OID first(MOScope range, SnmpModel.View v, Function<OID, Boolean> filter);

        /**
         * The instances of this object that follow {@code after} (all of them when after is before
         * the object), in order, with their values: what {@link FastReads} walks.
         */
        abstract Cursor cursor(SnmpModel.View v, OID after, StatisticsSource statistics);

        /** What a GET of oid (inside this object's scope) answers: the value, noSuchInstance or noSuchObject. */
        abstract Variable getValue(SnmpModel.View v, OID oid, StatisticsSource statistics);

        /** The value of an existing instance. */
        abstract Variable value(SnmpModel.View v, OID instance, StatisticsSource statistics);

        static boolean inRange(MOScope range, OID o) {
            OID lo = range.getLowerBound();
            if (lo != null) {
                int c = o.compareTo(lo);
                if (c < 0 || (c == 0 && !range.isLowerIncluded())) {
                    return false;
                }
            }
            OID hi = range.getUpperBound();
            if (hi != null) {
                int c = o.compareTo(hi);
                return c < 0 || (c == 0 && range.isUpperIncluded());
            }
            return true;
        }
    }

    /** A walk through the instances of one object, in OID order. */
    abstract static class Cursor {
        /** The instance the cursor is on, and its value (after advance() answered true). */
        OID oid;
        Variable value;

        /** Moves to the next instance; false when the object has no more. */
        abstract boolean advance();

        static final Cursor NONE = new Cursor() {
            @Override
            boolean advance() {
                return false;
            }
        };
    }

    /** A scalar (instance .0). */
    static final class Scalar extends Base {
        final ObjectDef def;
        final OID instance;
        final Function<SnmpModel.View, Variable> getter;

        Scalar(ObjectDef def, Views views, Function<SnmpModel.View, Variable> getter, Writer writer) {
            super(def.oid(), views, def.access().writable() ? writer : null);
            this.def = def;
            this.instance = new OID(def.oid()).append(0);
            this.getter = getter;
        }

        @Override
        boolean writableOid(OID oid) {
            return def.access().writable() && oid.equals(instance);
        }

        @Override
        public void get(SubRequest<?> sub) {
            VariableBinding vb = sub.getVariableBinding();
            vb.setVariable(getValue(views.view(sub.getRequest()), vb.getOid(), StatisticsSource.NONE));
            sub.completed();
        }

        @Override
        Variable getValue(SnmpModel.View v, OID oid, StatisticsSource statistics) {
            Variable value = oid.equals(instance) ? getter.apply(v) : null;
            return value == null ? Null.noSuchInstance : value;
        }

        @Override
        Cursor cursor(SnmpModel.View v, OID after, StatisticsSource statistics) {
            if (after != null && after.compareTo(instance) >= 0) {
                return Cursor.NONE;
            }
            return new Cursor() {
                private boolean done;

                @Override
                boolean advance() {
                    if (done) {
                        return false;
                    }
                    done = true;
                    value = getter.apply(v);
                    oid = value == null ? null : new OID(instance);
                    return value != null;
                }
            };
        }

        @Override
        OID first(MOScope range, SnmpModel.View v, Function<OID, Boolean> filter) {
            if (inRange(range, instance) && Boolean.TRUE.equals(filter.apply(instance)) && getter.apply(v) != null) {
                return new OID(instance);
            }
            return null;
        }

        @Override
        Variable value(SnmpModel.View v, OID instance, StatisticsSource statistics) {
            return getter.apply(v);
        }

        @Override
        public String toString() {
            return "Scalar[" + def.name() + "]";
        }
    }

    /** A column of a live table. */
    record Column(int id, ObjectDef def) {
    }

    /** A conceptual table: entry OID, columns, and the rows of a view (index -> row, in index order). */
    static final class Table extends Base {
        final String entryName;
        final List<Column> columns;
        final Function<SnmpModel.View, NavigableMap<OID, ? extends Row>> rows;
        private final Map<Integer, Column> byId;
        /** The OID of each column (entry.column), in the order of {@link #columns}. */
        private final OID[] prefixes;

        Table(String entryName, OID entry, List<Column> columns, Views views,
              Function<SnmpModel.View, NavigableMap<OID, ? extends Row>> rows, Writer writer) {
            super(entry, views, columns.stream().anyMatch(c -> c.def().access().writable()) ? writer : null);
            this.entryName = entryName;
            this.columns = List.copyOf(columns);
            this.rows = rows;
            java.util.TreeMap<Integer, Column> m = new java.util.TreeMap<>();
            for (Column c : columns) {
                if (c.id() <= 0 || (!m.isEmpty() && c.id() <= m.lastKey())) {
                    throw new IllegalArgumentException(entryName + ": columns must be in ascending order: " + columns);
                }
                m.put(c.id(), c);
            }
            this.byId = m;
            this.prefixes = new OID[this.columns.size()];
            for (int i = 0; i < prefixes.length; i++) {
                prefixes[i] = new OID(entry).append(this.columns.get(i).id());
            }
        }

        NavigableMap<OID, ? extends Row> rowsOf(SnmpModel.View v) {
            return v.memo(this, () -> rows.apply(v));
        }

        @Override
        boolean writableOid(OID oid) {
            if (oid.size() <= base.size() + 1 || !oid.startsWith(base)) {
                return false;
            }
            Column c = byId.get(oid.get(base.size()));
            return c != null && c.def().access().writable();
        }

        @Override
        public void get(SubRequest<?> sub) {
            VariableBinding vb = sub.getVariableBinding();
            vb.setVariable(getValue(views.view(sub.getRequest()), vb.getOid(), statisticsOf(views, sub.getRequest())));
            sub.completed();
        }

        @Override
        Variable getValue(SnmpModel.View v, OID oid, StatisticsSource statistics) {
            Variable result = null;
            if (oid.size() > base.size() + 1 && oid.startsWith(base)) {
                Column c = byId.get(oid.get(base.size()));
                if (c == null) {
                    return Null.noSuchObject;
                }
                if (c.def().access().readable()) {
                    OID index = new OID(oid.getValue(), base.size() + 1, oid.size() - base.size() - 1);
                    Row r = rowsOf(v).get(index);
                    if (r != null) {
                        result = r.value(c.id(), statistics);
                    }
                }
            }
            return result == null ? Null.noSuchInstance : result;
        }

        @Override
        Cursor cursor(SnmpModel.View v, OID after, StatisticsSource statistics) {
            NavigableMap<OID, ? extends Row> all = rowsOf(v);
            if (after == null || after.compareTo(base) <= 0) {
                return new TableCursor(all, statistics, 0, all);
            }
            if (!after.startsWith(base)) {
                return Cursor.NONE; // after the table
            }
            long column = after.get(base.size()) & 0xFFFFFFFFL;
            for (int ci = 0; ci < prefixes.length; ci++) {
                long id = columns.get(ci).id();
                if (id > column) {
                    return new TableCursor(all, statistics, ci, all);
                }
                if (id == column) {
                    if (after.size() == base.size() + 1) {
                        return new TableCursor(all, statistics, ci, all);
                    }
                    OID index = new OID(after.getValue(), base.size() + 1, after.size() - base.size() - 1);
                    return new TableCursor(all, statistics, ci, all.tailMap(index, false));
                }
            }
            return Cursor.NONE;
        }

        /** Column by column (readable ones), row by row, skipping rows without the column. */
        private final class TableCursor extends Cursor {
            private final NavigableMap<OID, ? extends Row> all;
            private final StatisticsSource statistics;
            private int ci;
            private java.util.Iterator<? extends Map.Entry<OID, ? extends Row>> rows;

            TableCursor(NavigableMap<OID, ? extends Row> all, StatisticsSource statistics, int ci,
                        NavigableMap<OID, ? extends Row> first) {
                this.all = all;
                this.statistics = statistics;
                this.ci = ci;
                this.rows = first.entrySet().iterator();
            }

            @Override
            boolean advance() {
                while (ci < prefixes.length) {
                    Column c = columns.get(ci);
                    if (c.def().access().readable()) {
                        while (rows.hasNext()) {
                            Map.Entry<OID, ? extends Row> e = rows.next();
                            Variable v = e.getValue().value(c.id(), statistics);
                            if (v != null) {
                                oid = new OID(prefixes[ci]).append(e.getKey());
                                value = v;
                                return true;
                            }
                        }
                    }
                    if (++ci < prefixes.length) {
                        rows = all.entrySet().iterator();
                    }
                }
                return false;
            }
        }

        @Override
        OID first(MOScope range, SnmpModel.View v, Function<OID, Boolean> filter) {
            NavigableMap<OID, ? extends Row> all = rowsOf(v);
            if (all.isEmpty()) {
                return null;
            }
            OID lo = range.getLowerBound();
            for (int ci = 0; ci < prefixes.length; ci++) {
                Column c = columns.get(ci);
                if (!c.def().access().readable()) {
                    continue;
                }
                OID colPrefix = prefixes[ci];
                NavigableMap<OID, ? extends Row> candidates = all;
                if (lo != null && lo.compareTo(colPrefix) > 0) {
                    if (!lo.startsWith(colPrefix)) {
                        continue; // the range starts after this column
                    }
                    OID from = new OID(lo.getValue(), colPrefix.size(), lo.size() - colPrefix.size());
                    candidates = all.tailMap(from, true);
                }
                for (Map.Entry<OID, ? extends Row> e : candidates.entrySet()) {
                    OID o = new OID(colPrefix).append(e.getKey());
                    if (!inRange(range, o)) {
                        if (range.getUpperBound() != null && o.compareTo(range.getUpperBound()) > 0) {
                            return null;
                        }
                        continue;
                    }
                    if (e.getValue().value(c.id(), StatisticsSource.NONE) == null || !Boolean.TRUE.equals(filter.apply(o))) {
                        continue;
                    }
                    return o;
                }
            }
            return null;
        }

        @Override
        Variable value(SnmpModel.View v, OID instance, StatisticsSource statistics) {
            OID index = new OID(instance.getValue(), base.size() + 1, instance.size() - base.size() - 1);
            Row r = rowsOf(v).get(index);
            return r == null ? Null.noSuchInstance : r.value(instance.get(base.size()), statistics);
        }

        @Override
        public String toString() {
            return "Table[" + entryName + "]";
        }
    }
}
