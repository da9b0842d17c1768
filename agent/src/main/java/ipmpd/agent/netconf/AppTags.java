package ipmpd.agent.netconf;

/**
 * The error-app-tags the ipmpd module defines, recognised in the engine's messages (the if_mpadm
 * texts and the configuration rules of ConfigValidator).
 */
final class AppTags {
    static final String TOOL_PREFIX = "if_mpadm: fatal: ";

    private AppTags() {
    }

    /** The message without the "if_mpadm: fatal: " prefix the tool prints. */
    static String stripTool(String message) {
        if (message == null) {
            return null;
        }
        return message.startsWith(TOOL_PREFIX) ? message.substring(TOOL_PREFIX.length()) : message;
    }

    /** The module's error-app-tag for an engine message, or null. */
    static String forMessage(String message, String path) {
        if (message == null) {
            return null;
        }
        String m = message;
        String p = path == null ? "" : path;
        if (m.contains("no other functioning interfaces")) {
            return "minimum-redundancy";
        }
        if (m.contains("is already offline")) {
            return "already-offline";
        }
        if (m.contains("not a physical interface or not in an IPMP group") || m.contains("is not using IPMP")) {
            return "not-in-group";
        }
        if (m.contains("is not offline")) {
            return "not-offline";
        }
        if (m.contains("cannot undo-offline")) {
            return "undo-offline-failed";
        }
        if (m.contains("is already a member of group")) {
            return "duplicate-member";
        }
        if (m.contains("test address") && m.contains("more than one")) {
            return "test-address-family";
        }
        if (m.contains("must be its link-local address")) {
            return "test-address-link-local";
        }
        if (m.contains("0.0.0.0") && p.contains("test-address")) {
            return "test-address-unspecified";
        }
        if (m.toLowerCase(java.util.Locale.ROOT).contains("cannot be added to standby")) {
            return "standby-home-member";
        }
        if (m.contains("is already used at")) {
            if (p.contains("data-address") && m.contains("test-address")) {
                return "data-address-is-test-address";
            }
            return p.contains("data-address") ? "duplicate-data-address" : "duplicate-test-address";
        }
        if (m.contains("bad prefix length")) {
            return "prefix-length";
        }
        // new IPMP (ConfigValidator's rules about a group's IPMP interface)
        if (m.contains("is already the IPMP interface of group")) {
            return "duplicate-ipmp-interface";
        }
        if (m.contains("invalid IPMP interface name")) {
            return "ipmp-interface-name";
        }
        if (m.contains("so it cannot be an IPMP interface")) {
            return "ipmp-interface-type";
        }
        if (m.contains("it holds the data addresses, members hold none")) {
            return "home-member-ipmp-interface";
        }
        return null;
    }
}
