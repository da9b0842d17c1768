package ipmpd.engine.config;

import ipmpd.engine.AdminException;
import ipmpd.engine.Addresses;
import ipmpd.engine.Engine;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.LifInfo;
import ipmpd.engine.Family;
import ipmpd.engine.Flags;
import ipmpd.engine.MpathdFile;
import ipmpd.engine.Tokenizer;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configuration directory as files: {@code mpathd}, one {@code hostname.IF} /
 * {@code hostname6.IF} per interface in the seeds' syntax, and {@code ipmp.conf} for what those
 * cannot say (groups without members, configured probe targets, administrative offline). Written
 * from the engine's state, so that a restart comes up with the same configuration.
 */
public final class ConfigFiles {
    public static final String IPMP_CONF = "ipmp.conf";
    public static final String MPATHD = "mpathd";

    private ConfigFiles() {
    }

    /** File name -> lines, for every file the configuration needs. */
    public static Map<String, List<String>> render(EngineSnapshot s) {
        return render(s, name -> true);
    }

    /**
     * The same, with "offline IF" in ipmp.conf only for OFFLINE interfaces that
     * {@code configuredOffline} accepts (an interface taken offline at run time stays out: like
     * if_mpadm -d on Solaris, it does not survive a restart).
     */
    public static Map<String, List<String>> render(EngineSnapshot s, java.util.function.Predicate<String> configuredOffline) {
        Map<String, List<String>> files = new LinkedHashMap<>();
        files.put(MPATHD, MpathdFile.render(s.config()));
        // data addresses by home interface, in the order the interfaces hold them
        Map<String, List<LifInfo>> dataByHome = new java.util.HashMap<>();
        for (InterfaceInfo host : s.interfaces()) {
            for (LifInfo l : host.lifs()) {
                if (l.data() && l.homeIf() != null) {
                    dataByHome.computeIfAbsent(l.homeIf(), k -> new ArrayList<>()).add(l);
                }
            }
        }
        for (InterfaceInfo i : s.interfaces()) {
            for (Family f : Family.values()) {
                List<String> lines = hostnameFile(i, f, dataByHome.getOrDefault(i.name(), List.of()));
                if (!lines.isEmpty()) {
                    files.put((f == Family.INET ? "hostname." : "hostname6.") + i.name(), lines);
                }
            }
        }
        for (EngineSnapshot.IpmpInterfaceInfo i : s.ipmpInterfaces()) {
            for (Family f : Family.values()) {
                List<String> lines = ipmpHostnameFile(i, f);
                if (!lines.isEmpty()) {
                    files.put((f == Family.INET ? "hostname." : "hostname6.") + i.name(), lines);
                }
            }
        }
        List<String> conf = new ArrayList<>();
        conf.add("# Written by ipmpd: what hostname.IF files cannot express.");
        conf.add("# group NAME | targets GROUP ADDRESS... | offline INTERFACE");
        for (EngineSnapshot.GroupInfo g : s.groups()) {
            if (g.declared()) {
                conf.add("group " + g.name());
            }
            if (!g.targets().isEmpty()) {
                conf.add("targets " + g.name() + " " + String.join(" ", g.targets().stream().map(Addresses::format).toList()));
            }
        }
        for (InterfaceInfo i : s.interfaces()) {
            if (i.offline() && configuredOffline.test(i.name())) {
                conf.add("offline " + i.name());
            }
        }
        files.put(IPMP_CONF, conf);
        return files;
    }

    private static List<String> hostnameFile(InterfaceInfo i, Family f, List<LifInfo> homed) {
        boolean plumbed = i.lifs().stream().anyMatch(l -> l.family() == f);
        List<LifInfo> data = new ArrayList<>();
        for (LifInfo l : homed) {
            if (l.family() == f) {
                data.add(l);
            }
        }
        if (!plumbed && data.isEmpty()) {
            return List.of();
        }
        Optional<LifInfo> test = i.lifs().stream().filter(l -> l.family() == f && !l.placeholder()
                && (l.flags() & Flags.NOFAILOVER) != 0 && (l.flags() & Flags.UP) != 0
                && !Addresses.isUnspecified(l.address())).findFirst();
        List<String> first = new ArrayList<>();
        if (f == Family.INET) {
            if (test.isPresent()) {
                first.add(cidr(test.get()));
                first.add("deprecated -failover");
            } else if (!data.isEmpty()) {
                LifInfo d = data.remove(0);
                first.add(cidr(d));
            }
        } else if (test.isPresent() && Addresses.isLinkLocal(test.get().address())) {
            first.add("-failover");
        }
        if (i.group() != null) {
            first.add("group " + i.group());
        }
        if (i.standby()) {
            first.add("standby");
        }
        first.add("up");
        List<String> lines = new ArrayList<>();
        lines.add(String.join(" ", first));
        for (LifInfo d : data) {
            lines.add("addif " + cidr(d) + ((d.flags() & Flags.UP) != 0 ? " up" : ""));
        }
        return lines;
    }

    /**
     * An IPMP interface's boot file, as the tutorial writes it: {@code ipmp group G [ADDR] up} for
     * its logical unit 0, then {@code addif ADDR up} for each further data address.
     */
    private static List<String> ipmpHostnameFile(EngineSnapshot.IpmpInterfaceInfo i, Family f) {
        List<LifInfo> lifs = i.lifs().stream().filter(l -> l.family() == f).toList();
        if (lifs.isEmpty()) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        List<String> first = new ArrayList<>(List.of("ipmp", "group", i.group()));
        for (LifInfo l : lifs) {
            boolean hasAddress = !Addresses.isUnspecified(l.address());
            boolean up = (l.flags() & Flags.UP) != 0;
            if (l.unit() == 0) {
                if (hasAddress) {
                    first.add(cidr(l));
                }
                if (up) {
                    first.add("up");
                }
            } else if (hasAddress) {
                lines.add("addif " + cidr(l) + (up ? " up" : ""));
            }
        }
        lines.add(0, String.join(" ", first));
        return lines;
    }

    private static String cidr(LifInfo l) {
        return Addresses.format(l.address()) + "/" + l.prefixLen();
    }

    /**
     * Applies ipmp.conf after the hostname files (at start and on SIGHUP).
     *
     * @return problems, one message per bad line ("ipmp.conf: line N: ...")
     */
    public static List<String> applyIpmpConf(Engine engine, List<String> lines) {
        List<String> problems = new ArrayList<>();
        int n = 0;
        for (String raw : lines) {
            n++;
            int hash = raw.indexOf('#');
            List<String> w = Tokenizer.split(hash >= 0 ? raw.substring(0, hash) : raw);
            if (w.isEmpty()) {
                continue;
            }
            try {
                switch (w.get(0)) {
                    case "group" -> {
                        need(w, 2);
                        engine.createGroup(w.get(1));
                    }
                    case "targets" -> {
                        need(w, 2);
                        List<InetAddress> targets = new ArrayList<>();
                        for (String a : w.subList(2, w.size())) {
                            targets.add(Addresses.parse(a).orElseThrow(() -> new AdminException("bad address " + a)));
                        }
                        engine.setGroupTargets(w.get(1), targets);
                    }
                    case "offline" -> {
                        need(w, 2);
                        engine.offline(w.get(1));
                    }
                    default -> throw new AdminException("unknown keyword " + w.get(0));
                }
            } catch (AdminException e) {
                problems.add(IPMP_CONF + ": line " + n + ": " + e.getMessage());
            }
        }
        return problems;
    }

    /** The interfaces named by "offline IF" lines of ipmp.conf. */
    public static java.util.Set<String> offlineLines(List<String> lines) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String raw : lines) {
            int hash = raw.indexOf('#');
            List<String> w = Tokenizer.split(hash >= 0 ? raw.substring(0, hash) : raw);
            if (w.size() == 2 && w.get(0).equals("offline")) {
                out.add(w.get(1));
            }
        }
        return out;
    }

    private static void need(List<String> w, int n) throws AdminException {
        if (w.size() < n) {
            throw new AdminException(w.get(0) + ": missing argument");
        }
    }
}
