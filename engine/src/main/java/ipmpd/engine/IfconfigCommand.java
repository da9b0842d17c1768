package ipmpd.engine;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The IPMP part of Solaris ifconfig: {@code ifconfig IF[:N] [inet|inet6] [plumb|unplumb] [ADDR]
 * [netmask +|MASK] [broadcast +] [group NAME] [addif ADDR ...] [removeif ADDR] [[-]failover]
 * [[-]deprecated] [[-]standby] [up|down]}, status display, and hostname.IF files.
 */
public final class IfconfigCommand {
    private static final Set<String> ADDIF_WORDS = Set.of("netmask", "broadcast", "up", "down", "deprecated",
            "-deprecated", "failover", "-failover");

    /** A data address named in a boot file (for hosting it elsewhere while its NIC is missing). */
    public record DataAddress(InetAddress address, int prefixLen, int unit, boolean up) {
    }

    public record FileSummary(String group, List<DataAddress> dataAddresses) {
    }

    /** What the boot scripts add to a one-line hostname.IF file. */
    private static final List<String> ONE_LINE_EPILOGUE = List.of("netmask", "+", "broadcast", "+", "up");

    private IfconfigCommand() {
    }

    /**
     * Runs one ifconfig command line (without the word "ifconfig").
     *
     * @return what ifconfig prints on standard output
     * @throws AdminException with the text ifconfig prints on error; nothing after the failing
     *         operation is applied, and the request is checked as a whole before anything changes
     */
    public static String execute(Engine engine, List<String> args) throws AdminException {
        if (args.isEmpty()) {
            throw new AdminException("usage: ifconfig <interface> | -a [ <address_family> ] [ <options> ]");
        }
        String target = args.get(0);
        int pos = 1;
        Family family = Family.INET;
        boolean familyGiven = false;
        if (pos < args.size() && (args.get(pos).equals("inet") || args.get(pos).equals("inet6"))) {
            family = args.get(pos).equals("inet6") ? Family.INET6 : Family.INET;
            familyGiven = true;
            pos++;
        }
        if (target.equals("-a")) {
            return IfconfigFormatter.all(engine.snapshot(), familyGiven ? family : null);
        }
        String name = target;
        int unit = 0;
        int colon = target.indexOf(':');
        if (colon >= 0) {
            name = target.substring(0, colon);
            try {
                unit = Integer.parseInt(target.substring(colon + 1).strip());
            } catch (NumberFormatException e) {
                throw new AdminException("ifconfig: " + target + ": no such interface");
            }
        }
        List<String> rest = args.subList(pos, args.size());
        if (rest.isEmpty()) {
            return IfconfigFormatter.status(engine.snapshot(), name, unit, family);
        }
        List<Op> ops = parse(rest, family, engine.platform().hostResolver());
        StringBuilder out = new StringBuilder();
        Cursor cur = new Cursor(name, unit, family);
        cur.presetNetmask(rest);
        for (Op op : ops) {
            op.apply(engine, cur, out);
        }
        return out.toString();
    }

    /**
     * Where the following words apply (the interface named, or the one addif just created), and
     * the netmask the line gives for the addresses it sets. Solaris ifconfig looks through the
     * whole IPv4 line for its last "netmask" first, so that an address is set with that mask
     * rather than the classful default the kernel gives an address set without one ("netmask +":
     * looked up in the netmasks database for the first address set; not found, the default).
     */
    private static final class Cursor {
        String name;
        int unit;
        final Family family;
        /** The line's netmask for addresses: none (kernel default), "+" not yet looked up, or set. */
        LineNetmask lineNetmask = LineNetmask.NONE;
        int lineNetmaskPrefix;

        Cursor(String name, int unit, Family family) {
            this.name = name;
            this.unit = unit;
            this.family = family;
        }

        void presetNetmask(List<String> words) {
            if (family != Family.INET) {
                return;
            }
            for (int k = 0; k + 1 < words.size(); k++) {
                if (words.get(k).equalsIgnoreCase("netmask")) {
                    String v = words.get(++k);
                    int len = v.equals("+") ? -2 : Addresses.parseNetmask(v);
                    if (len == -2) {
                        lineNetmask = LineNetmask.LOOKUP;
                    } else if (len >= 0) {
                        lineNetmask = LineNetmask.SET;
                        lineNetmaskPrefix = len;
                    }
                }
            }
        }

        /**
         * The prefix an address gets when it is set (setifaddr / addif): its own /N (which
         * overrides the line's netmask from then on), else the line's netmask, else the kernel's
         * classful default (ipif_set_default).
         */
        int prefixFor(InetAddress address, int ownPrefix, java.util.function.Supplier<Netmasks> netmasks) {
            if (ownPrefix >= 0) {
                lineNetmask = LineNetmask.NONE;
                return ownPrefix;
            }
            if (family == Family.INET && lineNetmask == LineNetmask.LOOKUP) {
                java.util.OptionalInt found = netmasks.get().lookup(address);
                if (found.isPresent()) {
                    lineNetmask = LineNetmask.SET;
                    lineNetmaskPrefix = found.getAsInt();
                } else {
                    lineNetmask = LineNetmask.NONE;
                }
            }
            if (family == Family.INET && lineNetmask == LineNetmask.SET) {
                return lineNetmaskPrefix;
            }
            return Addresses.classfulPrefix(address);
        }
    }

    private enum LineNetmask { NONE, LOOKUP, SET }

    /**
     * "netmask +" on its own: the netmasks database's mask for the interface's address, set and
     * reported as ifconfig reports it; nothing when the database has none (setifnetmask).
     */
    private static void lookUpNetmask(Engine e, Cursor c, InetAddress address, StringBuilder out)
            throws AdminException {
        java.util.OptionalInt found = e.platform().netmasks().lookup(address);
        if (found.isEmpty()) {
            return;
        }
        e.setPrefix(c.name, c.unit, c.family, found.getAsInt());
        out.append("Setting netmask of ").append(Engine.lifName(c.name, c.unit)).append(" to ")
                .append(Addresses.format(Addresses.fromLong(Addresses.mask4(found.getAsInt())))).append('\n');
    }

    private interface Op {
        void apply(Engine e, Cursor c, StringBuilder out) throws AdminException;
    }

    private static List<Op> parse(List<String> words, Family family, HostResolver names) throws AdminException {
        List<Op> ops = new ArrayList<>();
        for (int k = 0; k < words.size(); k++) {
            String w = words.get(k);
            switch (w.toLowerCase(Locale.ROOT)) {
                case "plumb" -> {
                    boolean testAddress = words.subList(k + 1, words.size()).contains("-failover");
                    ops.add((e, c, out) -> {
                        if (c.unit == 0) {
                            e.plumb(c.name, c.family);
                            return;
                        }
                        String created = e.plumbLogical(c.name, c.unit, c.family, testAddress);
                        String requested = Engine.lifName(c.name, c.unit);
                        if (!created.equals(requested)) {
                            // Redirected off a failed, standby or offline member (seed 001).
                            out.append("Created new logical interface ").append(created).append('\n');
                        }
                        int colon = created.indexOf(':');
                        c.name = created.substring(0, colon);
                        c.unit = Integer.parseInt(created.substring(colon + 1));
                    });
                }
                case "unplumb" -> ops.add((e, c, out) -> e.unplumb(c.name, c.family));
                case "ipmp" -> {
                    // New IPMP: NAME becomes the IPMP interface of the group the line names (default NAME).
                    String group = null;
                    for (int j = k + 1; j + 1 < words.size(); j++) {
                        if (words.get(j).equalsIgnoreCase("group")) {
                            group = words.get(j + 1);
                            Engine.validateGroupName(group);
                            break;
                        }
                    }
                    final String g = group;
                    ops.add((e, c, out) -> {
                        if (c.unit != 0) {
                            throw new AdminException("ifconfig: ipmp: " + Engine.lifName(c.name, c.unit)
                                    + ": an IPMP interface is a physical-level interface (no :N)");
                        }
                        e.createIpmpInterface(c.name, c.family, g);
                    });
                }
                case "inet", "inet6" -> {
                    // the family was taken from the front of the line; a repeated one is harmless
                }
                case "netmask" -> {
                    String v = need(words, ++k, "netmask");
                    int len = v.equals("+") ? -2 : Addresses.parseNetmask(v);
                    if (len == -1) {
                        throw new AdminException("ifconfig: " + v + ": bad address");
                    }
                    final int prefix = len;
                    ops.add((e, c, out) -> {
                        EngineSnapshot.LifInfo l = lif(e, c);
                        if (prefix != -2) {
                            e.setPrefix(c.name, c.unit, c.family, prefix);
                        } else if (c.family == Family.INET) {
                            lookUpNetmask(e, c, l.address(), out);
                        } else {
                            e.setPrefix(c.name, c.unit, c.family, Addresses.classfulPrefix(l.address()));
                        }
                    });
                }
                case "broadcast" -> {
                    // "+" sets the address again, so the broadcast follows address and netmask; an
                    // explicit broadcast address is not modelled (the derived one stays).
                    if (need(words, ++k, "broadcast").equals("+")) {
                        ops.add((e, c, out) -> {
                            if (c.family == Family.INET) {
                                e.resetBroadcast(c.name, c.unit, c.family);
                            }
                        });
                    }
                }
                case "group" -> {
                    String g = need(words, ++k, "group");
                    Engine.validateGroupName(g);
                    ops.add((e, c, out) -> e.setGroup(c.unit == 0 ? c.name : c.name + ":" + c.unit, g));
                }
                case "addif" -> {
                    String a = need(words, ++k, "addif");
                    ParsedAddress pa = address(a, family, names);
                    boolean up = false;
                    boolean deprecated = false;
                    boolean noFailover = false;
                    boolean lookUp = false; // "netmask +" in the addif's own words
                    int ownMask = -1;
                    while (k + 1 < words.size() && ADDIF_WORDS.contains(words.get(k + 1).toLowerCase(Locale.ROOT))) {
                        String s = words.get(++k).toLowerCase(Locale.ROOT);
                        switch (s) {
                            case "up" -> up = true;
                            case "down" -> up = false;
                            case "deprecated" -> deprecated = true;
                            case "-deprecated" -> deprecated = false;
                            case "-failover" -> noFailover = true;
                            case "failover" -> noFailover = false;
                            case "netmask" -> {
                                String v = need(words, ++k, "netmask");
                                if (v.equals("+")) {
                                    lookUp = true;
                                    ownMask = -1;
                                } else {
                                    ownMask = Addresses.parseNetmask(v);
                                    lookUp = false;
                                    if (ownMask < 0) {
                                        throw new AdminException("ifconfig: " + v + ": bad address");
                                    }
                                }
                            }
                            case "broadcast" -> need(words, ++k, "broadcast");
                            default -> throw new IllegalStateException(s);
                        }
                    }
                    final boolean isUp = up;
                    final boolean isDeprecated = deprecated;
                    final boolean isNoFailover = noFailover;
                    final boolean lookUpOwn = lookUp;
                    final int ownPrefix = ownMask;
                    ops.add((e, c, out) -> {
                        // addif sets the line's netmask (or the default) with the address, then runs
                        // its own "netmask" words on the new logical interface.
                        int prefix = c.prefixFor(pa.address, pa.prefixLen, e.platform()::netmasks);
                        java.util.OptionalInt found = lookUpOwn && c.family == Family.INET
                                ? e.platform().netmasks().lookup(pa.address) : java.util.OptionalInt.empty();
                        if (ownPrefix >= 0) {
                            prefix = ownPrefix;
                        } else if (found.isPresent()) {
                            prefix = found.getAsInt();
                        }
                        Engine.NewAddress spec = new Engine.NewAddress(pa.address, prefix, isUp, isDeprecated,
                                isNoFailover);
                        String created = e.addif(c.name, c.family, spec);
                        out.append("Created new logical interface ").append(created).append('\n');
                        if (found.isPresent()) {
                            out.append("Setting netmask of ").append(created).append(" to ")
                                    .append(Addresses.format(Addresses.fromLong(Addresses.mask4(prefix))))
                                    .append('\n');
                        }
                        int colon = created.indexOf(':');
                        c.name = created.substring(0, colon);
                        c.unit = Integer.parseInt(created.substring(colon + 1));
                    });
                }
                case "removeif" -> {
                    ParsedAddress pa = address(need(words, ++k, "removeif"), family, names);
                    ops.add((e, c, out) -> e.removeif(c.name, c.family, pa.address));
                }
                case "failover" -> ops.add(flag(Flags.NOFAILOVER, false));
                case "-failover" -> ops.add(flag(Flags.NOFAILOVER, true));
                case "deprecated" -> ops.add(flag(Flags.DEPRECATED, true));
                case "-deprecated" -> ops.add(flag(Flags.DEPRECATED, false));
                case "up" -> ops.add(flag(Flags.UP, true));
                case "down" -> ops.add(flag(Flags.UP, false));
                case "standby" -> ops.add((e, c, out) -> e.setStandby(c.name, true));
                case "-standby" -> ops.add((e, c, out) -> e.setStandby(c.name, false));
                default -> {
                    ParsedAddress pa = address(w, family, names);
                    ops.add((e, c, out) -> {
                        int prefix = c.prefixFor(pa.address, pa.prefixLen, e.platform()::netmasks);
                        e.setAddress(c.name, c.unit, c.family, pa.address, prefix);
                    });
                }
            }
        }
        return ops;
    }

    private static Op flag(long flag, boolean on) {
        return (e, c, out) -> e.setLifFlag(c.name, c.unit, c.family, flag, on);
    }

    private static EngineSnapshot.LifInfo lif(Engine e, Cursor c) throws AdminException {
        EngineSnapshot s = e.snapshot();
        java.util.Optional<List<EngineSnapshot.LifInfo>> lifs = s.iface(c.name).map(EngineSnapshot.InterfaceInfo::lifs)
                .or(() -> s.ipmpInterface(c.name).map(EngineSnapshot.IpmpInterfaceInfo::lifs));
        return lifs.flatMap(ls -> ls.stream()
                        .filter(l -> l.unit() == c.unit && l.family() == c.family).findFirst())
                .orElseThrow(() -> new AdminException("ifconfig: " + Engine.lifName(c.name, c.unit)
                        + ": no such interface"));
    }

    private static String need(List<String> words, int k, String keyword) throws AdminException {
        if (k >= words.size()) {
            throw new AdminException("ifconfig: " + keyword + ": missing argument");
        }
        return words.get(k);
    }

    /** An address word; prefixLen is -1 when the word has no /N. */
    private record ParsedAddress(InetAddress address, int prefixLen) {
        int prefixOrDefault() {
            return prefixLen >= 0 ? prefixLen : Addresses.classfulPrefix(address);
        }
    }

    /**
     * An address word as ifconfig reads it: ADDR or ADDR/PREFIX, where ADDR is a literal or a host
     * name the name service knows in the family (getipnodebyname); otherwise "bad address".
     */
    private static ParsedAddress address(String text, Family family, HostResolver names) throws AdminException {
        String addr = text;
        int prefix = -1;
        int slash = text.indexOf('/');
        if (slash >= 0) {
            addr = text.substring(0, slash);
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new AdminException("ifconfig: " + text + ": bad address");
            }
        }
        Optional<InetAddress> a = Addresses.parse(addr);
        if (a.isEmpty() && HostResolver.isHostName(addr)) {
            a = names.resolve(addr, family);
        }
        if (a.isEmpty()) {
            throw new AdminException("ifconfig: " + text + ": bad address");
        }
        if (Family.of(a.get()) != family) {
            throw new AdminException("ifconfig: " + text + ": bad address (wrong address family for "
                    + family.keyword + ")");
        }
        int max = family == Family.INET ? 32 : 128;
        if (prefix > max) {
            throw new AdminException("ifconfig: " + text + ": bad prefix length");
        }
        return new ParsedAddress(a.get(), prefix); // prefix -1: none given
    }

    /** Splits a hostname.IF file into ifconfig command lines ('\' continues a line). */
    static List<List<String>> commands(List<String> lines) {
        List<List<String>> out = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String raw : lines) {
            String line = raw;
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            boolean continues = line.stripTrailing().endsWith("\\");
            if (continues) {
                line = line.stripTrailing();
                line = line.substring(0, line.length() - 1);
            }
            current.addAll(Tokenizer.split(line));
            if (!continues) {
                if (!current.isEmpty()) {
                    out.add(current);
                }
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    /**
     * Applies a hostname.IF / hostname6.IF file: plumbs the interface, then runs each line as the
     * arguments of ifconfig IF. A line that fails is reported (file, line, token) and the others
     * are still applied.
     */
    public static List<String> applyFile(Engine engine, String name, Family family, List<String> lines) {
        List<String> problems = new ArrayList<>();
        String file = (family == Family.INET ? "hostname." : "hostname6.") + name;
        try {
            Phyint p = engine.membership.phyints.get(name);
            if (!isIpmpFile(lines) && (p == null || p.instance(family) == null)) {
                engine.plumb(name, family); // an IPMP interface's file creates it itself ("ipmp ...")
            }
        } catch (AdminException e) {
            problems.add(file + ": " + e.getMessage());
            return problems;
        }
        // The boot scripts (net_include.sh inet_process_hostname) end a one-line IPv4 file with
        // "netmask + broadcast + up"; a file of several lines is run as it is.
        boolean oneLine = family == Family.INET && commands(lines).size() == 1;
        int lineNo = 0;
        List<String> joined = new ArrayList<>();
        for (String l : lines) {
            lineNo++;
            joined.add(l);
            if (l.stripTrailing().endsWith("\\")) {
                continue;
            }
            for (List<String> cmd : commands(joined)) {
                List<String> args = new ArrayList<>();
                args.add(name);
                if (family == Family.INET6) {
                    args.add("inet6");
                }
                args.addAll(cmd.get(0).equals("inet") || cmd.get(0).equals("inet6") ? cmd.subList(1, cmd.size()) : cmd);
                if (oneLine) {
                    args.addAll(ONE_LINE_EPILOGUE);
                }
                try {
                    execute(engine, args);
                } catch (AdminException e) {
                    problems.add(file + ": line " + lineNo + ": " + e.getMessage());
                }
            }
            joined.clear();
        }
        return problems;
    }

    /** Whether a hostname.IF file configures an IPMP interface (a line says "ipmp"). */
    static boolean isIpmpFile(List<String> lines) {
        for (List<String> cmd : commands(lines)) {
            for (String w : cmd) {
                if (w.equalsIgnoreCase("ipmp")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** What a boot file says about the group and data addresses, without applying it (literal addresses only). */
    static FileSummary summarize(String name, Family family, List<String> lines) {
        return summarize(name, family, lines, HostResolver.NONE);
    }

    /** What a boot file says about the group and data addresses, host names resolved, without applying it. */
    static FileSummary summarize(String name, Family family, List<String> lines, HostResolver names) {
        String group = null;
        List<DataAddress> data = new ArrayList<>();
        int nextUnit = 1;
        for (List<String> cmd : commands(lines)) {
            InetAddress addr = null;
            int prefix = 0;
            int unit = 0;
            boolean noFailover = false;
            boolean up = false;
            List<Object[]> segments = new ArrayList<>();
            for (int k = 0; k < cmd.size(); k++) {
                String w = cmd.get(k);
                switch (w) {
                    case "group" -> {
                        if (k + 1 < cmd.size()) {
                            group = cmd.get(++k);
                            if (group.isEmpty()) {
                                group = null;
                            }
                        }
                    }
                    case "netmask", "broadcast", "removeif" -> k++;
                    case "plumb", "unplumb", "inet", "inet6", "deprecated", "-deprecated", "standby", "-standby" -> {
                        // keywords, not addresses (and never looked up as host names)
                    }
                    case "-failover" -> noFailover = true;
                    case "failover" -> noFailover = false;
                    case "up" -> up = true;
                    case "down" -> up = false;
                    case "addif" -> {
                        segments.add(new Object[] {addr, prefix, unit, noFailover, up});
                        addr = null;
                        noFailover = false;
                        up = false;
                        unit = nextUnit++;
                        if (k + 1 < cmd.size()) {
                            try {
                                ParsedAddress pa = address(cmd.get(++k), family, names);
                                addr = pa.address;
                                prefix = pa.prefixOrDefault();
                            } catch (AdminException e) {
                                addr = null;
                            }
                        }
                    }
                    default -> {
                        try {
                            ParsedAddress pa = address(w, family, names);
                            addr = pa.address;
                            prefix = pa.prefixOrDefault();
                        } catch (AdminException e) {
                            // not an address: a word the summary does not need
                        }
                    }
                }
            }
            segments.add(new Object[] {addr, prefix, unit, noFailover, up});
            for (Object[] s : segments) {
                InetAddress a = (InetAddress) s[0];
                if (a != null && !(Boolean) s[3] && !Addresses.isUnspecified(a) && !Addresses.isLinkLocal(a)) {
                    data.add(new DataAddress(a, (Integer) s[1], (Integer) s[2], (Boolean) s[4]));
                }
            }
        }
        return new FileSummary(group, data);
    }
}
