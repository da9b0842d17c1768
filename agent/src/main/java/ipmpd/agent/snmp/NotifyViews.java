package ipmpd.agent.snmp;

import org.snmp4j.agent.security.VACM;
import org.snmp4j.security.SecurityModel;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;

/**
 * The VACM the notification originator asks. A v1/v2c destination a manager creates in
 * SNMP-TARGET-MIB names a community as its security name (net-snmp's convention; the agent's
 * community table does not know it): with no group of its own it gets the notify view every
 * notification receiver gets. Requests never go through this (their VACM is the agent's), so
 * it grants no read or write access.
 */
final class NotifyViews implements VACM {
    private final VACM delegate;
    private final OctetString notifyView;

    NotifyViews(VACM delegate, OctetString notifyView) {
        this.delegate = delegate;
        this.notifyView = notifyView;
    }

    private static boolean community(int securityModel) {
        return securityModel == SecurityModel.SECURITY_MODEL_SNMPv1 || securityModel == SecurityModel.SECURITY_MODEL_SNMPv2c;
    }

    @Override
    public int isAccessAllowed(OctetString context, OctetString securityName, int securityModel, int securityLevel,
                               int viewType, OID oid) {
        if (viewType == VACM.VIEW_NOTIFY && community(securityModel)
                && delegate.getViewName(context, securityName, securityModel, securityLevel, viewType) == null) {
            return delegate.isAccessAllowed(notifyView, oid);
        }
        return delegate.isAccessAllowed(context, securityName, securityModel, securityLevel, viewType, oid);
    }

    @Override
    public int isAccessAllowed(OctetString viewName, OID oid) {
        return delegate.isAccessAllowed(viewName, oid);
    }

    @Override
    public boolean hasContext(OctetString contextName) {
        return delegate.hasContext(contextName);
    }

    @Override
    public OctetString getViewName(OctetString context, OctetString securityName, int securityModel, int securityLevel,
                                   int viewType) {
        OctetString v = delegate.getViewName(context, securityName, securityModel, securityLevel, viewType);
        return v == null && viewType == VACM.VIEW_NOTIFY && community(securityModel) ? notifyView : v;
    }
}
