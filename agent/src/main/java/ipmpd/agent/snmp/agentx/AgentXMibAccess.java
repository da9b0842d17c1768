package ipmpd.agent.snmp.agentx;

import org.snmp4j.smi.OID;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

import java.util.List;

/** What the subagent serves: reads over one consistent view, and SETs as transactions. */
public interface AgentXMibAccess {
    /** A reader over one view of the MIB (one per request). */
    Reader reader();

    /** A SET transaction of the bindings of one TestSet (named {@code who} in logs). */
    SetTransaction set(String who, List<VariableBinding> bindings);

    interface Reader {
        /** The value of oid, or noSuchObject / noSuchInstance. */
        Variable get(OID oid);

        /**
         * The first instance after {@code from} (or at it, when include) that is before {@code end}
         * (null: no end), or null when there is none.
         */
        VariableBinding next(OID from, boolean include, OID end);
    }

    interface SetTransaction {
        /** Null when every binding can be set; else {0-based binding, SNMP error status}. */
        int[] test();

        /** False: commitFailed, nothing changed. */
        boolean commit();

        /** False: undoFailed. */
        boolean undo();
    }
}
