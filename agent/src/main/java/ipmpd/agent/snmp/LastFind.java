package ipmpd.agent.snmp;

import org.snmp4j.agent.MOScope;
import org.snmp4j.agent.request.Request;
import org.snmp4j.smi.OID;

import java.util.Objects;

/**
 * The instance a live object last found for a GETNEXT/GETBULK sub-request, on this thread.
 * snmp4j-agent looks for the next instance twice: the server's lookup asks the object to find
 * one in the query's scope and view (to pick the object), then it calls the object's next() with
 * the sub-request's scope, the same bounds and the same view, which searches again. The second
 * search takes the first's answer when the object, request, model view and scope bounds are the
 * same; the answer is taken once and forgotten, so it is never older than the sub-request step
 * that asked for it.
 */
final class LastFind {
    private static final ThreadLocal<LastFind> LAST = new ThreadLocal<>();

    private final Object object;
    private final Request<?, ?, ?> request;
    private final SnmpModel.View view;
    private final OID lower;
    private final boolean lowerIncluded;
    private final OID upper;
    private final boolean upperIncluded;
    private final OID found;

    private LastFind(Object object, Request<?, ?, ?> request, SnmpModel.View view, MOScope scope, OID found) {
        this.object = object;
        this.request = request;
        this.view = view;
        this.lower = scope.getLowerBound();
        this.lowerIncluded = scope.isLowerIncluded();
        this.upper = scope.getUpperBound();
        this.upperIncluded = scope.isUpperIncluded();
        this.found = found;
    }

    /** Remembers a search's answer (an instance, not null: "none" is searched again, it is cheap to confirm). */
    static void remember(Object object, Request<?, ?, ?> request, SnmpModel.View view, MOScope scope, OID found) {
        LAST.set(found == null ? null : new LastFind(object, request, view, scope, found));
    }

    /** The remembered answer of the same search, or null; forgets it either way. */
    static OID take(Object object, Request<?, ?, ?> request, SnmpModel.View view, MOScope scope) {
        LastFind f = LAST.get();
        if (f == null) {
            return null;
        }
        LAST.set(null);
        boolean same = f.object == object && f.request == request && f.view == view
                && f.lowerIncluded == scope.isLowerIncluded() && f.upperIncluded == scope.isUpperIncluded()
                && Objects.equals(f.lower, scope.getLowerBound()) && Objects.equals(f.upper, scope.getUpperBound());
        return same ? new OID(f.found) : null;
    }
}
