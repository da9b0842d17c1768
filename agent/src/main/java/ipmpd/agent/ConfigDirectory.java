package ipmpd.agent;

import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.Family;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.MpathdFile;
import ipmpd.engine.Tokenizer;
import ipmpd.engine.config.ConfigFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration directory (default /etc/ipmpd, {@code ipmpd -c DIR}): {@code mpathd} (the
 * /etc/default/mpathd keys), {@code hostname.IF} / {@code hostname6.IF} (boot-persistent interface
 * configuration), {@code ipmp.conf} (what those cannot say: declared groups, group probe targets,
 * administrative offline; see {@link ConfigFiles}) and {@code agent.conf} (SNMP and NETCONF settings).
 * <p>
 * Reading is plain file I/O and may happen on any thread; the methods taking an {@link Engine}
 * must run on the engine thread.
 */
public final class ConfigDirectory {
    public static final Path DEFAULT = Path.of("/etc/ipmpd");
    public static final String MPATHD = "mpathd";
    public static final String AGENT_CONF = "agent.conf";
    public static final String IPMP_CONF = ConfigFiles.IPMP_CONF;

    /** One hostname.IF or hostname6.IF file. */
    public record HostnameFile(String ifname, Family family, Path path, List<String> lines) {
        public String fileName() {
            return path.getFileName().toString();
        }
    }

    /** agent.conf as read: settings in file order, and the problems found. */
    public record AgentConf(Map<String, String> settings, List<String> problems) {
        /**
         * Keys agent.conf may hold (the faces' lists); any other key is reported as unknown (and
         * otherwise ignored). The SNMP face also has the family snmp.trap.NAME ({@link #isKnown}).
         */
        public static final Set<String> KNOWN_KEYS = union(ipmpd.agent.snmp.SnmpSettings.KEYS,
                ipmpd.agent.netconf.NetconfSettings.KEYS, ipmpd.agent.metrics.MetricsSettings.KEYS,
                EngineScheduling.KEYS);

        @SafeVarargs
        private static Set<String> union(Set<String>... sets) {
            java.util.Set<String> all = new java.util.HashSet<>();
            for (Set<String> s : sets) {
                all.addAll(s);
            }
            return Set.copyOf(all);
        }

        /** Whether agent.conf may hold a key: a listed one, or one of a face's families. */
        public static boolean isKnown(String key) {
            return KNOWN_KEYS.contains(key) || ipmpd.agent.snmp.SnmpSettings.isKnownKey(key);
        }
    }

    private final Path dir;
    private final IpmpdLog log;

    public ConfigDirectory(Path dir, IpmpdLog log) {
        this.dir = dir;
        this.log = log;
    }

    public Path dir() {
        return dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    // ------------------------------------------------------------------ mpathd

    /**
     * Reads {@code mpathd} over in.mpathd's defaults (plus ipmpd's PROBE_QUIET_PERIOD default),
     * logging in.mpathd's message for each bad value. A missing file means the defaults.
     */
    public EngineConfig readMpathd() {
        return readMpathd(EngineConfig.defaults());
    }

    public EngineConfig readMpathd(EngineConfig base) {
        Path f = file(MPATHD);
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            log.info("No " + f + "; using the default configuration");
            return base;
        } catch (IOException e) {
            log.err("Cannot read " + f + ": " + e.getMessage() + "; using the default configuration");
            return base;
        }
        MpathdFile.Result r = MpathdFile.parse(lines, base);
        for (String m : r.messages()) {
            log.err(m);
        }
        return r.config();
    }

    // ------------------------------------------------------------------ hostname files

    /** Whether a name is a usable Linux interface name (IFNAMSIZ 16, no '/', no white space). */
    static boolean validIfname(String n) {
        if (n.isEmpty() || n.length() > 15 || n.equals(".") || n.equals("..")) {
            return false;
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c == '/' || c <= ' ' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Editor and package-manager leftovers that are never configuration. */
    static boolean leftover(String fileName) {
        return fileName.endsWith("~") || fileName.endsWith(".swp") || fileName.endsWith(".tmp")
                || fileName.contains(".dpkg-") || fileName.endsWith(".rpmnew") || fileName.endsWith(".rpmsave")
                || fileName.endsWith(".orig") || fileName.endsWith(".bak") || fileName.startsWith(".");
    }

    /** Every hostname.IF and hostname6.IF file, IPv4 ones first, each family by interface name. */
    public List<HostnameFile> readHostnameFiles() {
        List<HostnameFile> out = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "hostname*.*")) {
            for (Path p : ds) {
                paths.add(p);
            }
        } catch (NoSuchFileException e) {
            log.err("Configuration directory " + dir + " does not exist");
            return out;
        } catch (IOException e) {
            log.err("Cannot read configuration directory " + dir + ": " + e.getMessage());
            return out;
        }
        for (Path p : paths) {
            String name = p.getFileName().toString();
            Family f;
            String ifname;
            if (name.startsWith("hostname6.")) {
                f = Family.INET6;
                ifname = name.substring("hostname6.".length());
            } else if (name.startsWith("hostname.")) {
                f = Family.INET;
                ifname = name.substring("hostname.".length());
            } else {
                continue;
            }
            if (leftover(name) || !Files.isRegularFile(p)) {
                continue;
            }
            if (!validIfname(ifname)) {
                log.warning("Ignoring " + p + ": \"" + ifname + "\" is not an interface name");
                continue;
            }
            try {
                out.add(new HostnameFile(ifname, f, p, Files.readAllLines(p, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                log.err("Cannot read " + p + ": " + e.getMessage());
            }
        }
        out.sort(Comparator.comparing((HostnameFile h) -> h.family().ordinal()).thenComparing(HostnameFile::ifname));
        return out;
    }

    /** The interfaces the hostname files name. */
    public static Set<String> interfaces(List<HostnameFile> files) {
        Set<String> s = new TreeSet<>();
        for (HostnameFile h : files) {
            s.add(h.ifname());
        }
        return s;
    }

    /**
     * Start-up (engine thread): hands every hostname file to the engine as boot configuration,
     * configures the interfaces as the boot scripts would, then applies ipmp.conf, logging each
     * problem found.
     *
     * @param ipmpConf the lines of ipmp.conf ({@link #readIpmpConf()})
     * @return the problems (already logged)
     */
    public List<String> boot(Engine engine, List<HostnameFile> files, List<String> ipmpConf) {
        for (HostnameFile h : files) {
            engine.setBootConfig(h.ifname(), h.family(), h.lines());
        }
        List<String> problems = new ArrayList<>(engine.boot());
        problems.addAll(ConfigFiles.applyIpmpConf(engine, ipmpConf));
        for (String p : problems) {
            log.err(p);
        }
        return problems;
    }

    // ------------------------------------------------------------------ ipmp.conf

    /** The lines of ipmp.conf; none when the file is missing. */
    public List<String> readIpmpConf() {
        Path f = file(IPMP_CONF);
        try {
            return Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            log.err("Cannot read " + f + ": " + e.getMessage());
            return List.of();
        }
    }

    /**
     * ipmp.conf as applied again on SIGHUP: "offline IF" lines for interfaces already offline are
     * left out (nothing to do), every other line is idempotent. Line numbers in problems stay
     * those of the file (a dropped line becomes a blank one).
     */
    static List<String> forReapply(List<String> lines, EngineSnapshot s) {
        List<String> out = new ArrayList<>(lines.size());
        for (String raw : lines) {
            int hash = raw.indexOf('#');
            List<String> w = Tokenizer.split(hash >= 0 ? raw.substring(0, hash) : raw);
            boolean alreadyOffline = w.size() == 2 && w.get(0).equals("offline")
                    && s.iface(w.get(1)).map(EngineSnapshot.InterfaceInfo::offline).orElse(false);
            out.add(alreadyOffline ? "" : raw);
        }
        return out;
    }

    /** SIGHUP (engine thread): applies ipmp.conf again; returns the problems (not logged). */
    public static List<String> reapplyIpmpConf(Engine engine, List<String> lines) {
        return ConfigFiles.applyIpmpConf(engine, forReapply(lines, engine.snapshot()));
    }

    // ------------------------------------------------------------------ agent.conf

    /**
     * Reads agent.conf: {@code KEY=VALUE} lines, '#' comments, blank lines ignored. A placeholder
     * until the SNMP and NETCONF settings are defined: lines that are not KEY=VALUE and unknown keys
     * are reported (and logged). A missing file is no problem.
     */
    public AgentConf readAgentConf() {
        Path f = file(AGENT_CONF);
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new AgentConf(Map.of(), List.of());
        } catch (IOException e) {
            String m = "Cannot read " + f + ": " + e.getMessage();
            log.err(m);
            return new AgentConf(Map.of(), List.of(m));
        }
        AgentConf c = parseAgentConf(lines);
        for (String p : c.problems()) {
            log.warning(p);
        }
        return c;
    }

    static AgentConf parseAgentConf(List<String> lines) {
        Map<String, String> settings = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                problems.add(AGENT_CONF + ": line " + n + ": expected KEY=VALUE");
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (!AgentConf.isKnown(key)) {
                problems.add(AGENT_CONF + ": line " + n + ": unknown key " + key);
            }
            settings.put(key, value);
        }
        return new AgentConf(java.util.Collections.unmodifiableMap(settings), List.copyOf(problems));
    }
}
