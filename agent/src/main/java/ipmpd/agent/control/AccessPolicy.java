package ipmpd.agent.control;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;

/**
 * Who may do what over the control socket: anyone may query (the socket is 0666), only uid 0
 * may change anything (if_mpadm, ipmpadm with options).
 */
public final class AccessPolicy {
    private AccessPolicy() {
    }

    /** Whether a request changes state (and so needs uid 0). */
    public static boolean isMutating(String tool, List<String> args) {
        switch (tool) {
            case "if_mpadm":
                return true;
            case "ipmpadm": {
                if (args.isEmpty() || args.get(0).equals("-a")) {
                    return false; // usage, or the status of everything
                }
                int pos = 1;
                if (pos < args.size() && (args.get(pos).equals("inet") || args.get(pos).equals("inet6"))) {
                    pos++;
                }
                return pos < args.size(); // "ipmpadm IF [inet6]" only shows status
            }
            default:
                return false;
        }
    }

    /** Whether the peer may change state: it must be the superuser. */
    public static boolean mayMutate(UserPrincipal peer, UserPrincipal superuser) {
        return peer != null && superuser != null && peer.equals(superuser);
    }

    /** The refusal text each tool prints. */
    public static String refusal(String tool) {
        return tool.equals("if_mpadm") ? "if_mpadm: fatal: insufficient privileges" : tool + ": insufficient privileges";
    }

    /** The principal of uid 0 (its name may differ from "root"; principals compare by uid). */
    public static UserPrincipal superuser() {
        UserPrincipalLookupService s = FileSystems.getDefault().getUserPrincipalLookupService();
        try {
            return s.lookupPrincipalByName("0"); // numeric: uid 0 whatever its name
        } catch (IOException e) {
            try {
                return s.lookupPrincipalByName("root");
            } catch (IOException e2) {
                return null;
            }
        }
    }
}
