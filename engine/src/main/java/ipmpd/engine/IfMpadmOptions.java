package ipmpd.engine;

import java.util.List;

/**
 * if_mpadm's command line, read as its getopt("d:r:") reads it: the interface may follow the
 * option in the same word ({@code -dnet0}) or in the next one; an unknown option or a missing
 * interface gets getopt's message before the usage. Stricter than the original in one way: a
 * second operation or an operand after the interface is refused (the original silently acts on the
 * last option and ignores operands).
 *
 * @param offline -d (true) or -r (false)
 * @param ifname the interface
 */
public record IfMpadmOptions(boolean offline, String ifname) {
    public static final String PROG = "if_mpadm";
    public static final String USAGE = "Usage: if_mpadm [-d | -r] <interface>";

    /**
     * What if_mpadm refuses by itself, before it asks the daemon: it reads the interface's flags
     * first, so an interface that is not plumbed (or whose NIC is missing) cannot be read, and -r
     * of an interface without OFFLINE (in a group or not) is "not offline". in.mpathd refuses -d of
     * a member of its anonymous group (TRACK_INTERFACES_ONLY_WITH_GROUPS=no) for minimum redundancy.
     * The remaining refusals are the daemon's ({@link Engine#offline}, {@link Engine#undoOffline}).
     */
    public void precheck(EngineSnapshot s) throws AdminException {
        int colon = ifname.indexOf(':');
        String physical = colon < 0 ? ifname : ifname.substring(0, colon); // OFFLINE is the physical interface's
        EngineSnapshot.InterfaceInfo i = s.iface(physical).orElse(null);
        if (i == null || !i.present()
                || (colon >= 0 && i.lifs().stream().noneMatch(l -> l.name().equals(ifname)))) {
            throw new AdminException(PROG + ": fatal: cannot get interface flags on " + ifname
                    + ": No such device or address");
        }
        if (offline && i.offline()) {
            throw new AdminException(PROG + ": fatal: interface " + ifname + " is already offline");
        }
        if (!offline && !i.offline()) {
            throw new AdminException(PROG + ": fatal: interface " + ifname + " is not offline");
        }
        if (offline && colon < 0 && i.group() == null && i.tracked()) {
            // in.mpathd knows it (anonymous group): no other member there counts as functioning
            throw new AdminException(PROG + ": fatal: cannot offline " + ifname
                    + ": no other functioning interfaces are in its IPMP group");
        }
    }

    public static IfMpadmOptions parse(List<String> args) throws AdminException {
        IfMpadmOptions found = null;
        int k = 0;
        while (k < args.size()) {
            String a = args.get(k);
            if (a.equals("--")) {
                k++;
                break;
            }
            if (!a.startsWith("-") || a.length() < 2) {
                break;
            }
            char ch = a.charAt(1);
            if (ch != 'd' && ch != 'r') {
                throw new AdminException(PROG + ": illegal option -- " + ch + "\n" + USAGE);
            }
            String ifname;
            if (a.length() > 2) {
                ifname = a.substring(2);
            } else if (k + 1 < args.size()) {
                ifname = args.get(++k);
            } else {
                throw new AdminException(PROG + ": option requires an argument -- " + ch + "\n" + USAGE);
            }
            if (found != null) {
                throw new AdminException(USAGE); // one operation per run
            }
            found = new IfMpadmOptions(ch == 'd', ifname);
            k++;
        }
        if (found == null || k < args.size()) {
            throw new AdminException(USAGE);
        }
        return found;
    }
}
