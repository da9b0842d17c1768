package ipmpd.tests.bench;

import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One system under comparison in the peers bench, set up on a {@link PeersBed} so that m1 is
 * preferred (bonding's primary, teamd's higher priority, ipmpd's data address on m1 with
 * FAILBACK=yes) and the data address 192.0.2.50 is reachable from the client.
 */
abstract class PeerSystem implements AutoCloseable {
    final String system;
    final String setting;
    protected PeersBed bed;

    PeerSystem(String system, String setting) {
        this.system = system;
        this.setting = setting;
    }

    /** Whether this setting notices a pulled cable / a path cut with the carrier up. */
    abstract boolean detectsLink();

    abstract boolean detectsPath();

    void start(PeersBed b) {
        this.bed = b;
        configure();
    }

    protected abstract void configure();

    /** The member carrying the data address now (null when none or unknown). */
    abstract String active();

    /** Both members usable and the preferred one (m1) active: the state every trial starts from. */
    abstract boolean ready();

    /** The user-space process doing the work (its CPU time is counted), or -1 when it is the kernel. */
    abstract long pid();

    /** Lines of the system's own log about what it did, when it has one (for the report's notes). */
    List<String> notes() {
        return List.of();
    }

    @Override
    public void close() {
    }

    String label() {
        return system + " " + setting;
    }

    static String read(String ns, String path) {
        Netns.Result r = Netns.tryExec(ns, "cat", path);
        return r.ok() ? r.stdout().strip() : "";
    }

    /** Linux bonding, mode active-backup, m1 primary (fails back as soon as m1 is up again). */
    static final class Bonding extends PeerSystem {
        private final List<String> options;
        private final boolean arpMonitor;

        Bonding(String setting, boolean arpMonitor, String... options) {
            super("bonding", setting);
            this.options = List.of(options);
            this.arpMonitor = arpMonitor;
        }

        static Bonding miimon(int ms) {
            return new Bonding("active-backup miimon=" + ms, false, "miimon", String.valueOf(ms));
        }

        static Bonding arpMonitor(int ms) {
            return new Bonding("active-backup arp_interval=" + ms + " arp_validate=all", true, "arp_interval",
                    String.valueOf(ms), "arp_ip_target", PeersBed.CLIENT_ADDRESS, "arp_validate", "all");
        }

        @Override
        boolean detectsLink() {
            return true;
        }

        @Override
        boolean detectsPath() {
            return arpMonitor;
        }

        @Override
        protected void configure() {
            List<String> add = new ArrayList<>(List.of("ip", "link", "add", "bond0", "type", "bond", "mode", "active-backup"));
            add.addAll(options);
            Netns.exec(bed.host, add.toArray(String[]::new));
            for (String m : List.of("m1", "m2")) {
                Netns.exec(bed.host, "ip", "link", "set", m, "down");
                Netns.exec(bed.host, "ip", "link", "set", m, "master", "bond0");
            }
            Netns.exec(bed.host, "ip", "link", "set", "bond0", "type", "bond", "primary", "m1");
            Netns.exec(bed.host, "ip", "link", "set", "bond0", "up");
            Netns.exec(bed.host, "ip", "addr", "add", PeersBed.DATA_ADDRESS + "/24", "dev", "bond0");
        }

        @Override
        String active() {
            String a = read(bed.host, "/sys/class/net/bond0/bonding/active_slave");
            return a.isEmpty() ? null : a;
        }

        @Override
        boolean ready() {
            return "m1".equals(active())
                    && read(bed.host, "/sys/class/net/m1/bonding_slave/mii_status").equals("up")
                    && read(bed.host, "/sys/class/net/m2/bonding_slave/mii_status").equals("up");
        }

        @Override
        long pid() {
            return -1;
        }
    }

    /** teamd, runner activebackup, m1 with the higher priority (not sticky: fails back), peers notified once. */
    static final class Teamd extends PeerSystem {
        private final String linkWatch;
        private final boolean arp;

        private Teamd(String setting, String linkWatch, boolean arp) {
            super("teamd", setting);
            this.linkWatch = linkWatch;
            this.arp = arp;
        }

        static Teamd ethtool() {
            return new Teamd("activebackup ethtool", "{\"name\":\"ethtool\"}", false);
        }

        /**
         * The ARP watcher as teamd's documentation sets it up: the active port validated, the
         * inactive one not probed (with send_always both ports send from the team's one MAC, the
         * switch's table flaps between them and replies go to the inactive port: nothing works).
         */
        static Teamd arpPing(int intervalMs, int missedMax) {
            return new Teamd("activebackup arp_ping interval=" + intervalMs + " missed_max=" + missedMax,
                    "{\"name\":\"arp_ping\",\"interval\":" + intervalMs + ",\"missed_max\":" + missedMax
                            + ",\"source_host\":\"" + PeersBed.DATA_ADDRESS + "\",\"target_host\":\""
                            + PeersBed.CLIENT_ADDRESS + "\",\"validate_active\":true,\"validate_inactive\":false}",
                    true);
        }

        @Override
        boolean detectsLink() {
            return true;
        }

        @Override
        boolean detectsPath() {
            return arp;
        }

        @Override
        protected void configure() {
            String config = "{\"device\":\"team0\",\"runner\":{\"name\":\"activebackup\"},"
                    + "\"notify_peers\":{\"count\":1},\"link_watch\":" + linkWatch + ","
                    + "\"ports\":{\"m1\":{\"prio\":10},\"m2\":{\"prio\":0}}}";
            for (String m : List.of("m1", "m2")) {
                Netns.exec(bed.host, "ip", "link", "set", m, "down");
            }
            Netns.execWithin(Duration.ofSeconds(30), bed.host, "teamd", "-d", "-r", "-t", "team0", "-c", config);
            Netns.exec(bed.host, "ip", "link", "set", "team0", "up");
            Netns.exec(bed.host, "ip", "addr", "add", PeersBed.DATA_ADDRESS + "/24", "dev", "team0");
        }

        private String item(String path) {
            Netns.Result r = Netns.tryExec(bed.host, "teamdctl", "team0", "state", "item", "get", path);
            return r.ok() ? r.stdout().strip() : "";
        }

        @Override
        String active() {
            String a = item("runner.active_port");
            return a.isEmpty() ? null : a;
        }

        @Override
        boolean ready() {
            return "m1".equals(active()) && item("ports.m1.link.up").equals("true")
                    && item("ports.m2.link.up").equals("true");
        }

        @Override
        long pid() {
            try {
                return Long.parseLong(Files.readString(Path.of("/var/run/teamd/team0.pid")).strip());
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
        }

        @Override
        public void close() {
            if (bed != null) {
                Netns.tryExec(bed.host, "teamd", "-k", "-t", "team0");
            }
        }
    }

    /** ipmpd: test addresses on both members, the client as configured target, data address on m1. */
    static final class Ipmpd extends PeerSystem {
        private final int fdtMs;
        private final String javaOpts;
        private final int realtimePriority;
        private IpmpdProcess daemon;

        Ipmpd(int fdtMs) {
            this(fdtMs, null);
        }

        /** @param javaOpts IPMPD_JAVA_OPTS of the daemon (null: this JVM's environment) */
        Ipmpd(int fdtMs, String javaOpts) {
            this(fdtMs, javaOpts, 0);
        }

        /** @param realtimePriority agent.conf engine.realtime-priority (0: off, the default) */
        Ipmpd(int fdtMs, String javaOpts, int realtimePriority) {
            super("ipmpd", "FDT=" + fdtMs + " ms" + (realtimePriority > 0 ? ", real-time " + realtimePriority : ""));
            this.fdtMs = fdtMs;
            this.javaOpts = javaOpts;
            this.realtimePriority = realtimePriority;
        }

        @Override
        boolean detectsLink() {
            return true;
        }

        @Override
        boolean detectsPath() {
            return true;
        }

        @Override
        protected void configure() {
            IpmpdProcess.Builder b = IpmpdProcess.builder(bed.host);
            if (realtimePriority > 0) {
                b.file("agent.conf", "engine.realtime-priority=" + realtimePriority);
            }
            daemon = b
                    .mpathd("FAILURE_DETECTION_TIME=" + fdtMs, "FAILBACK=yes", "PROBE_QUIET_PERIOD=0")
                    .file("hostname.m1", "192.0.2.11/24 deprecated -failover group g up",
                            "addif " + PeersBed.DATA_ADDRESS + "/24 up")
                    .file("hostname.m2", "192.0.2.12/24 deprecated -failover group g up")
                    .file("ipmp.conf", "targets g " + PeersBed.CLIENT_ADDRESS)
                    .readyTimeout(Duration.ofSeconds(120))
                    .javaOpts(javaOpts)
                    .start();
        }

        @Override
        String active() {
            for (String line : Netns.exec(bed.host, "ip", "-o", "addr", "show").split("\n")) {
                String[] f = line.strip().split("\\s+");
                for (int i = 0; i + 1 < f.length; i++) {
                    if (f[i].equals("inet") && f[i + 1].startsWith(PeersBed.DATA_ADDRESS + "/")) {
                        return f[1];
                    }
                }
            }
            return null;
        }

        @Override
        boolean ready() {
            if (!"m1".equals(active())) {
                return false;
            }
            IpmpdProcess.ToolResult r = daemon.ipmpstat("-P", "-o", "INTERFACE,STATE", "-i");
            return r.ok() && r.lines().contains("m1:ok") && r.lines().contains("m2:ok");
        }

        @Override
        long pid() {
            return daemon == null ? -1 : daemon.pid();
        }

        @Override
        List<String> notes() {
            return daemon == null ? List.of()
                    : daemon.findAll(0, "Cannot meet requested failure detection time").stream()
                            .map(l -> l.message()).toList();
        }

        @Override
        public void close() {
            if (daemon != null) {
                daemon.close();
            }
        }
    }
}
