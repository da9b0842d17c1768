package ipmpd.agent.snmp;

import org.snmp4j.agent.security.VACM;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's VACM with its views and access decisions looked up in plain maps. snmp4j-agent's
 * VacmMIB answers "is this OID in the view" by parsing the index of every view tree family row
 * of the view, for every OID of a walk, and "which view" by scanning its access table, for every
 * request. The views and the access rules of ipmpd are fixed at start (readOnly rows; the VACM
 * tables are in no view, so no manager can change them), so they are copied here once, with the
 * same rule as VacmMIB (RFC 3415: the family with the longest subtree that matches decides; no
 * masks are used). Views this class was not told about are left to the delegate.
 */
final class StaticViews implements VACM {
    private record Family(OID subtree, boolean included) {
    }

    private record Who(OctetString context, OctetString securityName, int securityModel, int securityLevel,
                       int viewType) {
    }

    private final VACM delegate;
    private final Map<OctetString, List<Family>> views = new HashMap<>();
    /** getViewName answers: depend only on the fixed access and group tables. */
    private final Map<Who, OctetString> viewNames = new ConcurrentHashMap<>();
    private boolean sealed;

    StaticViews(VACM delegate) {
        this.delegate = delegate;
    }

    /** Records a view tree family (the same call goes to the VacmMIB); before {@link #seal()}. */
    void family(OctetString view, OID subtree, boolean included) {
        if (sealed) {
            throw new IllegalStateException("views are fixed once the agent runs");
        }
        views.computeIfAbsent(view, v -> new ArrayList<>()).add(new Family(new OID(subtree), included));
    }

    /** Orders each view most specific family first. */
    void seal() {
        Comparator<Family> bySpecificity = Comparator.comparingInt((Family f) -> f.subtree().size())
                .thenComparing(Family::subtree).reversed();
        for (List<Family> l : views.values()) {
            l.sort(bySpecificity);
        }
        sealed = true;
    }

    @Override
    public int isAccessAllowed(OctetString viewName, OID oid) {
        List<Family> families = sealed ? views.get(viewName) : null;
        if (families == null) {
            return delegate.isAccessAllowed(viewName, oid);
        }
        for (Family f : families) {
            if (oid.startsWith(f.subtree())) {
                return f.included() ? VACM_OK : VACM_NOT_IN_VIEW;
            }
        }
        return VACM_NOT_IN_VIEW;
    }

    /**
     * Whether every OID of the subtree under {@code subtree} is in the view (TRUE), none is
     * (FALSE), or it depends on the OID or the view is not one of these (null): one check for a
     * whole managed object instead of one per instance.
     */
    Boolean uniformAccess(OctetString viewName, OID subtree) {
        List<Family> families = sealed ? views.get(viewName) : null;
        if (families == null) {
            return null;
        }
        for (Family f : families) {
            if (f.subtree().size() > subtree.size() && f.subtree().startsWith(subtree)) {
                return null; // a family inside the subtree decides for part of it
            }
        }
        for (Family f : families) { // most specific first
            if (subtree.startsWith(f.subtree())) {
                return f.included();
            }
        }
        return Boolean.FALSE;
    }

    /**
     * What notifications ask for each varbind. In the agent's one (default, empty) context with a
     * view found, the same as VacmMIB (view lookup, then the view's families); anything else goes
     * to the delegate, for its error codes.
     */
    @Override
    public int isAccessAllowed(OctetString context, OctetString securityName, int securityModel, int securityLevel,
                               int viewType, OID oid) {
        if (sealed && context != null && context.length() == 0) {
            OctetString view = getViewName(context, securityName, securityModel, securityLevel, viewType);
            if (view != null && view.length() > 0 && views.containsKey(view)) {
                return isAccessAllowed(view, oid);
            }
        }
        return delegate.isAccessAllowed(context, securityName, securityModel, securityLevel, viewType, oid);
    }

    @Override
    public boolean hasContext(OctetString contextName) {
        return delegate.hasContext(contextName);
    }

    @Override
    public OctetString getViewName(OctetString context, OctetString securityName, int securityModel,
                                   int securityLevel, int viewType) {
        Who who = new Who(new OctetString(context), new OctetString(securityName), securityModel, securityLevel, viewType);
        OctetString cached = viewNames.get(who);
        if (cached != null) {
            return cached;
        }
        OctetString view = delegate.getViewName(context, securityName, securityModel, securityLevel, viewType);
        if (view != null) {
            viewNames.putIfAbsent(who, view); // no entry (null) is asked again: never cached as a decision
        }
        return view;
    }
}
