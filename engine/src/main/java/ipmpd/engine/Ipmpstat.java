package ipmpd.engine;

import ipmpd.engine.EngineSnapshot.AddressInfo;
import ipmpd.engine.EngineSnapshot.GroupInfo;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.TargetInfo;
import ipmpd.engine.EngineSnapshot.TargetSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * ipmpstat: option parsing and output exactly as the Solaris tool prints it (libinetutil's ofmt:
 * fixed-width columns with overflow compensation, "--" for empty values, parsable mode with ':'
 * separators and '\' escapes, a header every 24 rows).
 */
public final class Ipmpstat {
    public static final String PROG = "ipmpstat";
    static final int NCOL = 80;
    static final int ROWS = 24;

    public static final String USAGE = "usage: ipmpstat [-n] [-o <field> [-P]] -a|-g|-i|-p|-t\n\n"
            + "  output modes:\t -a  display IPMP data address information\n"
            + "\t\t -g  display IPMP group information\n"
            + "\t\t -i  display IPMP-related IP interface information\n"
            + "\t\t -p  display IPMP probe information\n"
            + "\t\t -t  display IPMP target information\n\n"
            + "       options:\t -n  display IP addresses numerically\n"
            + "\t\t -o  display only the specified fields, in order\n"
            + "\t\t -P  display using parsable output mode\n";

    /** A column: name, width, and how to get its value from a row object. */
    record Field<T>(String name, int width, Function<T, String> value) {
    }

    /** The parsed command line. */
    public record Options(char mode, boolean numeric, boolean parsable, String fields) {
    }

    /** Output and warnings of one run. */
    public record Result(String stdout, String stderr, int exitCode) {
    }

    private Ipmpstat() {
    }

    public static Options parse(List<String> args) throws AdminException {
        char mode = 0;
        boolean numeric = false;
        boolean parsable = false;
        String fields = null;
        for (int k = 0; k < args.size(); k++) {
            String a = args.get(k);
            if (a.equals("--") && k == args.size() - 1) {
                break; // getopt: "--" ends the options (an operand after it is still refused)
            }
            if (!a.startsWith("-") || a.length() < 2 || a.equals("--")) {
                throw new AdminException(USAGE.stripTrailing());
            }
            for (int c = 1; c < a.length(); c++) {
                char ch = a.charAt(c);
                switch (ch) {
                    case 'n' -> numeric = true;
                    case 'P' -> parsable = true;
                    case 'L' -> {
                        // test-only live mode in the original; our queries are always live
                    }
                    case 'o' -> {
                        if (c + 1 < a.length()) {
                            fields = a.substring(c + 1);
                        } else if (k + 1 < args.size()) {
                            fields = args.get(++k);
                        } else {
                            throw new AdminException(PROG + ": option requires an argument -- o\n" + USAGE.stripTrailing());
                        }
                        c = a.length();
                    }
                    case 'a', 'g', 'i', 'p', 't' -> {
                        if (mode != 0) {
                            throw new AdminException(PROG + ": only one output format may be specified");
                        }
                        mode = ch;
                    }
                    default -> throw new AdminException(PROG + ": illegal option -- " + ch + "\n" + USAGE.stripTrailing());
                }
            }
        }
        if (mode == 0) {
            throw new AdminException(USAGE.stripTrailing());
        }
        return new Options(mode, numeric, parsable, fields);
    }

    /**
     * Refuses an output field list that ofmt would refuse for the mode (no snapshot needed): the
     * tool checks it before it contacts the daemon, as ipmpstat opens ofmt first. Warnings are left
     * to the run.
     */
    public static void checkFields(Options o) throws AdminException {
        List<? extends Field<?>> template = switch (o.mode()) {
            case 'g' -> GROUP_FIELDS;
            case 'i' -> IF_FIELDS;
            case 'a' -> ADDR_FIELDS;
            case 't' -> TARG_FIELDS;
            case 'p' -> PROBE_FIELDS;
            default -> throw new IllegalArgumentException("mode " + o.mode());
        };
        check(o, template);
    }

    @SuppressWarnings("unchecked")
    private static <T> void check(Options o, List<? extends Field<?>> template) throws AdminException {
        new Printer<>(o, (List<Field<T>>) template, new StringBuilder());
    }

    /** Runs one non-streaming mode (-a -g -i -t) against a snapshot. */
    public static Result run(Options o, EngineSnapshot s) {
        return switch (o.mode()) {
            case 'g' -> render(o, GROUP_FIELDS, groupRows(s));
            case 'i' -> render(o, ifFields(s), ipmpInterfaces(s));
            case 'a' -> render(o, ADDR_FIELDS, addressRows(s));
            case 't' -> render(o, TARG_FIELDS, targetRows(s));
            default -> throw new IllegalArgumentException("mode " + o.mode());
        };
    }

    /**
     * The groups in in.mpathd's list order: each new group goes to the head of the list, so the
     * newest comes first; with TRACK_INTERFACES_ONLY_WITH_GROUPS=no the anonymous group, created
     * when the daemon starts, comes last (shown as "--"). Every mode walks this list.
     */
    static List<GroupInfo> groupRows(EngineSnapshot s) {
        List<GroupInfo> rows = new ArrayList<>(s.groups());
        java.util.Collections.reverse(rows);
        if (!s.config().trackInterfacesOnlyWithGroups()) {
            rows.add(anonymousGroup(s));
        }
        return rows;
    }

    /**
     * The anonymous group of in.mpathd: every watched interface outside a named group, newest
     * first. Its state never changes from ok; its FDT is the configured one when a member probes;
     * it has no data addresses (ipmpstat -a shows none of its addresses).
     */
    static GroupInfo anonymousGroup(EngineSnapshot s) {
        List<String> members = new ArrayList<>();
        List<String> active = new ArrayList<>();
        List<String> inactive = new ArrayList<>();
        List<String> unusable = new ArrayList<>();
        boolean anyProbing = false;
        for (InterfaceInfo i : anonymousMembers(s)) {
            members.add(i.name());
            if (i.active()) {
                active.add(i.name());
            } else if (i.inactive()) {
                inactive.add(i.name());
            } else {
                unusable.add(i.name());
            }
            anyProbing |= i.probe() != EngineSnapshot.ProbeState.DISABLED;
        }
        return new GroupInfo("", GroupState.OK, anyProbing ? s.config().failureDetectionTimeMs() : 0,
                List.copyOf(members), List.copyOf(active), List.copyOf(inactive), List.copyOf(unusable), null, null,
                0, List.of(), false, 0, 0, null);
    }

    private static List<InterfaceInfo> anonymousMembers(EngineSnapshot s) {
        List<InterfaceInfo> out = new ArrayList<>();
        for (InterfaceInfo i : s.interfaces()) {
            if (i.group() == null && i.tracked()) {
                out.add(i);
            }
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /**
     * Interfaces IPMP watches, as ipmpstat walks them: group by group in list order (see
     * {@link #groupRows}), members newest first; the anonymous group's members last.
     */
    static List<InterfaceInfo> ipmpInterfaces(EngineSnapshot s) {
        List<InterfaceInfo> out = new ArrayList<>();
        for (GroupInfo g : groupRows(s)) {
            if (g.name().isEmpty()) {
                out.addAll(anonymousMembers(s));
                continue;
            }
            for (String m : g.members()) {
                s.iface(m).ifPresent(out::add);
            }
        }
        return out;
    }

    /** Data addresses group by group in list order (see {@link #groupRows}), each group's in its own order. */
    static List<AddressInfo> addressRows(EngineSnapshot s) {
        List<AddressInfo> out = new ArrayList<>();
        for (GroupInfo g : groupRows(s)) {
            for (AddressInfo a : s.addresses()) {
                if (g.name().equals(a.group())) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** Whether any interface probes (ipmpstat -p refuses to run otherwise). */
    public static boolean anyProbing(EngineSnapshot s) {
        return s.interfaces().stream().anyMatch(i -> i.probe() != EngineSnapshot.ProbeState.DISABLED);
    }

    static List<TargetRow> targetRows(EngineSnapshot s) {
        List<TargetRow> rows = new ArrayList<>();
        for (InterfaceInfo i : ipmpInterfaces(s)) {
            TargetSet v4 = null;
            TargetSet v6 = null;
            for (TargetSet t : i.targetSets()) {
                if (t.family() == Family.INET) {
                    v4 = t;
                } else {
                    v6 = t;
                }
            }
            boolean v4on = v4 != null && !v4.mode().equals("disabled");
            boolean v6on = v6 != null && !v6.mode().equals("disabled");
            // Omit a disabled family when the other probes; show one "disabled" row when neither does.
            if (v4on || !v6on) {
                rows.add(new TargetRow(i.name(), v4on ? v4 : new TargetSet(Family.INET, "disabled", null, List.of())));
            }
            if (v6on) {
                rows.add(new TargetRow(i.name(), v6));
            }
        }
        return rows;
    }

    record TargetRow(String ifname, TargetSet set) {
    }

    /** Streaming -p: a printer that keeps ofmt's state between events. */
    public static final class ProbePrinter {
        private final Printer<ProbeRow> printer;
        private final long startNs;

        public ProbePrinter(Options o, long startNs, StringBuilder err) throws AdminException {
            this.printer = new Printer<>(o, PROBE_FIELDS, err);
            this.startNs = startNs;
        }

        public String print(ProbeEvent e) {
            return printer.row(new ProbeRow(e, startNs));
        }
    }

    record ProbeRow(ProbeEvent e, long startNs) {
    }

    private static <T> Result render(Options o, List<Field<T>> template, List<T> rows) {
        StringBuilder err = new StringBuilder();
        try {
            Printer<T> p = new Printer<>(o, template, err);
            StringBuilder out = new StringBuilder();
            for (T row : rows) {
                out.append(p.row(row));
            }
            return new Result(out.toString(), err.toString(), 0);
        } catch (AdminException e) {
            return new Result("", err + e.getMessage() + "\n", 1);
        }
    }

    /** libinetutil's ofmt, for one output run. */
    static final class Printer<T> {
        private final List<Field<T>> fields = new ArrayList<>();
        private final boolean parsable;
        private int nrow;
        private int overflow;

        Printer(Options o, List<Field<T>> template, StringBuilder err) throws AdminException {
            this.parsable = o.parsable();
            String str = o.fields();
            if (parsable) {
                if (str == null || str.isEmpty()) {
                    throw new AdminException(PROG + ": output fields must be specified in parsable mode");
                }
                if (str.equals("all")) {
                    throw new AdminException(PROG + ": output field `all' invalid in parsable mode");
                }
            }
            if (str == null || str.equals("all")) { // ofmt compares "all" case-sensitively
                int cols = 0;
                for (Field<T> f : template) {
                    cols += f.width();
                    if (str == null && cols > NCOL) {
                        break;
                    }
                    fields.add(f);
                }
                return;
            }
            List<String> bad = new ArrayList<>();
            for (String name : fieldNames(str)) {
                Field<T> found = null;
                for (Field<T> f : template) {
                    if (f.name().equalsIgnoreCase(name)) {
                        found = f;
                    }
                }
                if (found == null) {
                    bad.add(name);
                } else {
                    fields.add(found);
                }
            }
            if (fields.isEmpty()) {
                throw new AdminException(PROG + ": no valid output fields"); // all unknown, or "-o ,"
            }
            if (!bad.isEmpty()) {
                StringBuilder msg = new StringBuilder();
                String base = parsable ? (bad.size() > 1 ? "unknown output fields:" : "unknown output field:")
                        : (bad.size() > 1 ? "ignoring unknown output fields:" : "ignoring unknown output field:");
                msg.append(base);
                for (String b : bad) {
                    msg.append(" `").append(b).append("'");
                }
                if (parsable) {
                    throw new AdminException(PROG + ": " + msg);
                }
                err.append(PROG).append(": warning: ").append(msg).append('\n');
            }
        }

        /**
         * The names in a field list as ofmt splits it (strtok on ','): empty names are skipped, so
         * "a,,b" is a and b and "," names none; nothing is trimmed (" b" is an unknown field).
         */
        static List<String> fieldNames(String str) {
            List<String> names = new ArrayList<>();
            for (String name : str.split(",")) {
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
            return names;
        }

        String row(T row) {
            StringBuilder out = new StringBuilder();
            if (!parsable && (nrow++ % ROWS) == 0) {
                for (int i = 0; i < fields.size(); i++) {
                    field(out, fields.get(i).name(), fields.get(i).width(), i == fields.size() - 1);
                }
                out.append('\n');
                nrow++;
            }
            for (int i = 0; i < fields.size(); i++) {
                String v = fields.get(i).value().apply(row);
                if (v == null) {
                    v = "?";
                } else if (v.isEmpty() && !parsable) {
                    v = "--";
                }
                field(out, v, fields.get(i).width(), i == fields.size() - 1);
            }
            out.append('\n');
            return out.toString();
        }

        private void field(StringBuilder out, String value, int width, boolean last) {
            if (parsable) {
                if (fields.size() == 1) {
                    out.append(value);
                    return;
                }
                for (char ch : value.toCharArray()) {
                    if (ch == ':' || ch == '\\') {
                        out.append('\\');
                    }
                    out.append(ch);
                }
                if (!last) {
                    out.append(':');
                }
                return;
            }
            if (last) {
                out.append(value);
                overflow = 0;
                return;
            }
            int valwidth = value.length();
            if (valwidth + overflow >= width) {
                overflow += valwidth - width + 1;
                out.append(value).append(' ');
                return;
            }
            if (overflow > 0) {
                int compress = Math.min(overflow, width - valwidth);
                overflow -= compress;
                width -= compress;
            }
            out.append(value);
            out.append(" ".repeat(width - valwidth));
        }
    }

    private static String ms(long ns) {
        return String.format(Locale.ROOT, "%.2fms", ns / 1_000_000.0f);
    }

    static final List<Field<GroupInfo>> GROUP_FIELDS = List.of(
            new Field<>("GROUP", 12, GroupInfo::displayName),
            new Field<>("GROUPNAME", 12, GroupInfo::name),
            new Field<>("STATE", 10, g -> Vocabulary.of(g.state()).ipmpstat()),
            new Field<>("FDT", 10, g -> g.fdtMs() == 0 ? "" : String.format(Locale.ROOT, "%.2fs", g.fdtMs() / 1000.0f)),
            new Field<>("INTERFACES", 30, Ipmpstat::interfacesColumn));

    static String interfacesColumn(GroupInfo g) {
        StringBuilder b = new StringBuilder(String.join(" ", g.active()));
        if (!g.inactive().isEmpty()) {
            if (!g.active().isEmpty()) {
                b.append(' ');
            }
            b.append('(').append(String.join(" ", g.inactive())).append(')');
        }
        if (!g.unusable().isEmpty()) {
            if (!g.active().isEmpty() || !g.inactive().isEmpty()) {
                b.append(' ');
            }
            b.append('[').append(String.join(" ", g.unusable())).append(']');
        }
        return b.toString();
    }

    /** ipmpstat -i's fields; GROUP names the group's IPMP interface (new IPMP), else the group. */
    static List<Field<InterfaceInfo>> ifFields(EngineSnapshot s) {
        java.util.Map<String, String> shown = new java.util.HashMap<>();
        for (GroupInfo g : s.groups()) {
            shown.put(g.name(), g.displayName());
        }
        List<Field<InterfaceInfo>> fields = new ArrayList<>(IF_FIELDS);
        fields.set(2, new Field<>("GROUP", 12, i -> i.group() == null ? "" : shown.getOrDefault(i.group(), i.group())));
        return fields;
    }

    static final List<Field<InterfaceInfo>> IF_FIELDS = List.of(
            new Field<>("INTERFACE", 12, InterfaceInfo::name),
            new Field<>("ACTIVE", 8, i -> i.active() ? "yes" : "no"),
            new Field<>("GROUP", 12, i -> i.group() == null ? "" : i.group()),
            new Field<>("FLAGS", 10, InterfaceInfo::flagsColumn),
            new Field<>("LINK", 10, i -> Vocabulary.of(i.link()).ipmpstat()),
            new Field<>("PROBE", 10, i -> Vocabulary.of(i.probe()).ipmpstat()),
            new Field<>("STATE", 10, i -> Vocabulary.of(i.state()).ipmpstat()));

    static final List<Field<AddressInfo>> ADDR_FIELDS = List.of(
            new Field<>("ADDRESS", 26, a -> Addresses.format(a.address())),
            new Field<>("STATE", 7, a -> a.up() ? "up" : "down"),
            new Field<>("GROUP", 12, a -> a.ipmpInterface() != null ? a.ipmpInterface() : a.group()),
            new Field<>("INBOUND", 12, a -> a.inbound() == null ? "" : a.inbound()),
            new Field<>("OUTBOUND", 23, a -> String.join(" ", a.outbound())));

    static final List<Field<TargetRow>> TARG_FIELDS = List.of(
            new Field<>("INTERFACE", 12, TargetRow::ifname),
            new Field<>("MODE", 10, t -> t.set().mode()),
            new Field<>("TESTADDR", 20, t -> t.set().testAddress() == null ? "" : Addresses.format(t.set().testAddress())),
            new Field<>("TARGETS", 38, t -> {
                List<String> out = new ArrayList<>();
                for (TargetInfo ti : t.set().targets()) {
                    if (ti.status().equals("active")) {
                        out.add(Addresses.format(ti.address()));
                    }
                }
                return String.join(" ", out);
            }));

    static final List<Field<ProbeRow>> PROBE_FIELDS = List.of(
            new Field<>("TIME", 10, r -> String.format(Locale.ROOT, "%.2fs", (r.e().sentAtNs() - r.startNs()) / 1e9f)),
            new Field<>("INTERFACE", 12, r -> r.e().ifname()),
            new Field<>("PROBE", 7, r -> Integer.toUnsignedString(r.e().id())),
            new Field<>("NETRTT", 10, r -> r.e().acked() ? ms(r.e().netRttNs()) : ""),
            new Field<>("RTT", 10, r -> r.e().acked() ? ms(r.e().rttNs()) : ""),
            new Field<>("RTTAVG", 10, r -> r.e().rttAvgNs() != 0 ? ms(r.e().rttAvgNs()) : ""),
            new Field<>("TARGET", 20, r -> Addresses.format(r.e().target())),
            new Field<>("RTTDEV", 10, r -> r.e().rttDevNs() != 0 ? ms(r.e().rttDevNs()) : ""));
}
