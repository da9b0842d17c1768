package ipmpd.engine.config;

/**
 * Why a configuration is refused.
 *
 * @param path where (XPath-like, e.g. /ipmp/group[name='g']/member[name='eth1']/standby)
 * @param kind what sort of problem, so SNMP and NETCONF can choose their error codes
 */
public record ConfigProblem(String path, Kind kind, String message) {
    public enum Kind {
        /** A value outside its type or range (SNMP wrongValue, NETCONF invalid-value). */
        INVALID_VALUE,
        /** Something already exists (NETCONF data-exists, SNMP inconsistentValue). */
        DATA_EXISTS,
        /** A reference to something that does not exist (NETCONF data-missing, SNMP inconsistentValue). */
        DATA_MISSING,
        /** A rule across values (minimum redundancy, standby home; SNMP inconsistentValue). */
        INCONSISTENT
    }

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
