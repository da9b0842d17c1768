package ipmpd.linux;

/** RFC 2863 operational state as reported in IFLA_OPERSTATE (IF_OPER_* values 0..6). */
public enum OperState {
    UNKNOWN, NOTPRESENT, DOWN, LOWERLAYERDOWN, TESTING, DORMANT, UP;

    public static OperState of(int value) {
        OperState[] all = values();
        return value >= 0 && value < all.length ? all[value] : UNKNOWN;
    }
}
