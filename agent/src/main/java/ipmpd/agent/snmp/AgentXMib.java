package ipmpd.agent.snmp;

import ipmpd.agent.snmp.agentx.AgentXMibAccess;
import org.snmp4j.PDU;
import org.snmp4j.agent.ManagedObject;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * IPMP-MIB as the AgentX subagent serves it: the standalone agent's own managed objects
 * ({@link LiveObjects}, read through their cursors as {@link FastReads} does) and its SET
 * transaction ({@link IpmpSet}); access control is the master's.
 */
final class AgentXMib implements AgentXMibAccess {
    private final List<LiveObjects.Base> objects;
    private final SnmpModel model;
    private final IpmpSet writer;

    AgentXMib(List<ManagedObject<?>> mos, SnmpModel model, IpmpSet writer) {
        List<LiveObjects.Base> l = new ArrayList<>();
        for (ManagedObject<?> mo : mos) {
            l.add((LiveObjects.Base) mo);
        }
        l.sort(Comparator.comparing(b -> b.base));
        this.objects = List.copyOf(l);
        this.model = model;
        this.writer = writer;
    }

    /** The object whose subtree holds oid, or null. */
    private LiveObjects.Base holding(OID oid) {
        for (LiveObjects.Base b : objects) {
            if (oid.startsWith(b.base)) {
                return b;
            }
        }
        return null;
    }

    @Override
    public Reader reader() {
        SnmpModel.View view = model.current();
        LiveObjects.StatisticsSource statistics = new LiveObjects.StatisticsSource() {
            private SnmpModel.Statistics taken;

            @Override
            public SnmpModel.Statistics get() {
                if (taken == null) {
                    taken = model.newStatistics();
                }
                return taken;
            }
        };
        return new Reader() {
            @Override
            public Variable get(OID oid) {
                LiveObjects.Base b = holding(oid);
                return b == null ? Null.noSuchObject : b.getValue(view, oid, statistics);
            }

            @Override
            public VariableBinding next(OID from, boolean include, OID end) {
                if (include) {
                    Variable v = get(from);
                    if (!v.isException()) {
                        return before(new VariableBinding(new OID(from), v), end);
                    }
                }
                for (LiveObjects.Base b : objects) {
                    if (b.base.nextPeer().compareTo(from) <= 0) {
                        continue; // the object ends before from
                    }
                    LiveObjects.Cursor c = b.cursor(view, from, statistics);
                    if (c.advance()) {
                        return before(new VariableBinding(c.oid, c.value), end);
                    }
                }
                return null;
            }
        };
    }

    private static VariableBinding before(VariableBinding vb, OID end) {
        return end == null || vb.getOid().compareTo(end) < 0 ? vb : null;
    }

    @Override
    public SetTransaction set(String who, List<VariableBinding> bindings) {
        IpmpSet.Transaction t = writer.transaction(who, bindings);
        return new SetTransaction() {
            @Override
            public int[] test() {
                for (int i = 0; i < bindings.size(); i++) {
                    OID oid = bindings.get(i).getOid();
                    LiveObjects.Base b = holding(oid);
                    if (b == null || b.writer == null || !b.writableOid(oid)) {
                        return new int[] {i, b == null ? PDU.noCreation : PDU.notWritable};
                    }
                }
                return t.test();
            }

            @Override
            public boolean commit() {
                return t.commit();
            }

            @Override
            public boolean undo() {
                return t.undo();
            }
        };
    }
}
