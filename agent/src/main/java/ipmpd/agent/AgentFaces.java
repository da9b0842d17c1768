package ipmpd.agent;

import ipmpd.agent.metrics.DaemonMetrics;
import ipmpd.agent.metrics.MetricsServer;
import ipmpd.agent.metrics.MetricsSettings;
import ipmpd.agent.netconf.NetconfServer;
import ipmpd.agent.netconf.NetconfSettings;
import ipmpd.agent.platform.DaemonPlatform;
import ipmpd.agent.snmp.SnmpAgent;
import ipmpd.agent.snmp.SnmpSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The faces for an NMS, SNMP, NETCONF and the Prometheus endpoint, with the agent.conf settings they run with. At SIGHUP
 * ({@link #apply}) a face whose keys changed (or, for SNMP, whose users file changed) is
 * restarted with the new settings: listen addresses, users, communities, destinations and limits
 * all take effect. The restart runs on the caller's thread (the signal handler's), never on the
 * engine thread, so failover goes on meanwhile; notifications of events during the restart itself
 * are not sent by the restarting face, and a restarted NETCONF server has closed its sessions.
 * A setting that is not valid changes nothing: the face keeps running as it was, and the log says why.
 */
final class AgentFaces implements AutoCloseable {
    private final Path configDir;
    private final EngineLoop loop;
    private final ListenerHub hub;
    private final ConfigStore store;
    private final IpmpdLog log;
    private final DaemonPlatform platform;
    private Map<String, String> settings = Map.of();
    private byte[] snmpUsersDigest;
    private volatile SnmpAgent snmp; // read by the metrics endpoint
    private volatile NetconfServer netconf;
    private volatile MetricsServer metrics;
    private boolean closed;
    /** Tests: runs between stopping a face and starting it again. */
    volatile Runnable betweenStopAndStart = () -> { };

    AgentFaces(Path configDir, EngineLoop loop, ListenerHub hub, ConfigStore store, IpmpdLog log,
               DaemonPlatform platform) {
        this.configDir = configDir;
        this.loop = loop;
        this.hub = hub;
        this.store = store;
        this.log = log;
        this.platform = platform;
    }

    /**
     * Starts the faces agent.conf turns on. A face that cannot start (a bad setting, a secrets file
     * readable by others, a port in use) is left off with a log line: failover goes on without it.
     *
     * @param yang the NETCONF server's modules parsed ahead (null: parsed now)
     */
    synchronized void start(Map<String, String> conf, NetconfServer.Preload yang) {
        settings = Map.copyOf(conf);
        try {
            SnmpSettings snmpSettings = SnmpSettings.parse(conf, configDir);
            snmp = startSnmp(conf);
            snmpUsersDigest = digest(snmpSettings.usersFile()); // after the start: it may have created the file
        } catch (Exception e) {
            log.err("SNMP face disabled: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        try {
            NetconfSettings ns = NetconfSettings.parse(conf, configDir);
            if (ns.enabled()) {
                netconf = yang != null ? NetconfServer.start(ns, loop, hub, store, log, yang)
                        : NetconfServer.start(ns, loop, hub, store, log);
            }
        } catch (Exception e) {
            log.err("NETCONF face disabled: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        try {
            metrics = startMetrics(MetricsSettings.parse(conf).orElse(null));
        } catch (Exception e) {
            log.err("Prometheus endpoint disabled: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    /** The Prometheus endpoint, or null when it is off. */
    MetricsServer metrics() {
        return metrics;
    }

    private MetricsServer startMetrics(MetricsSettings ms) throws Exception {
        // the faces as they are at each scrape: SIGHUP may have restarted them
        return ms == null ? null : DaemonMetrics.start(ms, loop, this::snmp, this::netconf, log);
    }

    SnmpAgent snmp() {
        return snmp;
    }

    NetconfServer netconf() {
        return netconf;
    }

    private SnmpAgent startSnmp(Map<String, String> conf) throws Exception {
        return SnmpAgent.start(new SnmpAgent.Context(configDir, conf, loop, hub, store, log,
                platform::interfaceStatistics));
    }

    /**
     * SIGHUP: restarts each face whose settings changed. @return what was done, one line per face
     * (also logged); empty when nothing changed
     */
    synchronized List<String> apply(Map<String, String> conf) {
        List<String> done = new ArrayList<>();
        if (closed) {
            return done;
        }
        List<String> snmpKeys = changed(conf, "snmp.");
        List<String> netconfKeys = changed(conf, "netconf.");
        SnmpSettings snmpNext = null;
        try {
            snmpNext = SnmpSettings.parse(conf, configDir);
        } catch (SnmpSettings.SettingsException e) {
            if (!snmpKeys.isEmpty()) {
                done.add(note("SIGHUP: agent.conf: " + e.getMessage() + "; the SNMP agent keeps its settings"));
            }
            snmpKeys = List.of();
        }
        boolean usersChanged = snmpNext != null && !Arrays.equals(digest(snmpNext.usersFile()), snmpUsersDigest);
        if (!snmpKeys.isEmpty() || (usersChanged && snmpNext.listen() != null && !snmpNext.listen().isEmpty())) {
            List<String> why = new ArrayList<>(snmpKeys);
            if (usersChanged) {
                why.add(snmpNext.usersFile().getFileName() + " (the users file)");
            }
            done.add(restartSnmp(conf, why));
        }
        NetconfSettings nsNext = null;
        try {
            nsNext = NetconfSettings.parse(conf, configDir);
        } catch (NetconfSettings.SettingsException e) {
            if (!netconfKeys.isEmpty()) {
                done.add(note("SIGHUP: agent.conf: " + e.getMessage() + "; the NETCONF server keeps its settings"));
            }
            netconfKeys = List.of();
        }
        if (!netconfKeys.isEmpty()) {
            done.add(restartNetconf(nsNext, netconfKeys));
        }
        List<String> metricsKeys = changed(conf, "metrics.");
        MetricsSettings metricsNext = null;
        boolean metricsValid = true;
        try {
            metricsNext = MetricsSettings.parse(conf).orElse(null);
        } catch (MetricsSettings.SettingsException e) {
            metricsValid = false;
            if (!metricsKeys.isEmpty()) {
                done.add(note("SIGHUP: agent.conf: " + e.getMessage() + "; the Prometheus endpoint keeps its settings"));
            }
            metricsKeys = List.of();
        }
        if (!metricsKeys.isEmpty()) {
            done.add(restartMetrics(metricsNext, metricsKeys));
        }
        // the keys applied now count as in force; keys refused keep their old values
        Map<String, String> inForce = new java.util.TreeMap<>(settings);
        for (String prefix : new String[] {"snmp.", "netconf.", "metrics."}) {
            boolean applied = switch (prefix) {
                case "snmp." -> snmpNext != null;
                case "netconf." -> nsNext != null;
                default -> metricsValid;
            };
            if (applied) {
                inForce.keySet().removeIf(k -> k.startsWith(prefix));
                conf.forEach((k, v) -> {
                    if (k.startsWith(prefix)) {
                        inForce.put(k, v);
                    }
                });
            }
        }
        settings = Map.copyOf(inForce);
        return done;
    }

    private String restartSnmp(Map<String, String> conf, List<String> why) {
        String what = "SIGHUP: agent.conf: " + String.join(", ", why) + " changed: ";
        if (snmp != null) {
            snmp.close();
            snmp = null;
        }
        betweenStopAndStart.run();
        try {
            snmp = startSnmp(conf);
            snmpUsersDigest = digest(SnmpSettings.parse(conf, configDir).usersFile());
            return note(what + (snmp.running() ? "the SNMP agent was restarted with them" : "the SNMP agent is off"));
        } catch (Exception e) {
            String m = what + "the SNMP agent cannot start with them (" + e.getMessage() + ")";
            try {
                snmp = startSnmp(settings); // the settings in force before: an NMS keeps its agent
                return error(m + "; it runs with the previous settings");
            } catch (Exception again) {
                return error(m + "; nor with the previous ones (" + again.getMessage() + "): it is off");
            }
        }
    }

    private String restartNetconf(NetconfSettings next, List<String> why) {
        String what = "SIGHUP: agent.conf: " + String.join(", ", why) + " changed: ";
        int sessions = netconf == null ? 0 : netconf.sessionCount();
        if (netconf != null) {
            netconf.close();
            netconf = null;
        }
        betweenStopAndStart.run();
        if (!next.enabled()) {
            return note(what + "the NETCONF server is off" + closedSessions(sessions));
        }
        try {
            netconf = NetconfServer.start(next, loop, hub, store, log);
            return note(what + "the NETCONF server was restarted with them" + closedSessions(sessions));
        } catch (Exception e) {
            String m = what + "the NETCONF server cannot start with them (" + e.getMessage() + ")";
            try {
                netconf = NetconfServer.start(NetconfSettings.parse(settings, configDir), loop, hub, store, log);
                return error(m + "; it runs with the previous settings");
            } catch (Exception again) {
                return error(m + "; nor with the previous ones (" + again.getMessage() + "): it is off");
            }
        }
    }

    private String restartMetrics(MetricsSettings next, List<String> why) {
        String what = "SIGHUP: agent.conf: " + String.join(", ", why) + " changed: ";
        if (metrics != null) {
            metrics.close();
            metrics = null;
        }
        if (next == null) {
            return note(what + "the Prometheus endpoint is off");
        }
        try {
            metrics = startMetrics(next);
            return note(what + "the Prometheus endpoint listens on " + metrics.address());
        } catch (Exception e) {
            String m = what + "the Prometheus endpoint cannot start with them (" + e.getMessage() + ")";
            try {
                metrics = startMetrics(MetricsSettings.parse(settings).orElse(null));
                return error(m + (metrics == null ? "; it is off" : "; it runs with the previous settings"));
            } catch (Exception again) {
                return error(m + "; nor with the previous ones (" + again.getMessage() + "): it is off");
            }
        }
    }

    private static String closedSessions(int n) {
        return n == 0 ? "" : " (" + n + " session" + (n == 1 ? "" : "s") + " closed)";
    }

    private String note(String m) {
        log.notice(m);
        return m;
    }

    private String error(String m) {
        log.err(m);
        return m;
    }

    /** The keys under {@code prefix} added, removed or changed (names only: values may be secrets). */
    private List<String> changed(Map<String, String> next, String prefix) {
        TreeSet<String> keys = new TreeSet<>();
        for (String k : next.keySet()) {
            if (k.startsWith(prefix) && !Objects.equals(next.get(k), settings.get(k))) {
                keys.add(k);
            }
        }
        for (String k : settings.keySet()) {
            if (k.startsWith(prefix) && !next.containsKey(k)) {
                keys.add(k);
            }
        }
        return List.copyOf(keys);
    }

    private static byte[] digest(Path file) {
        if (file == null) {
            return new byte[0];
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return new byte[0];
        } catch (IOException e) {
            return new byte[] {1}; // unreadable: the agent's start will say why
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (metrics != null) {
            metrics.close();
        }
        if (netconf != null) {
            netconf.close();
        }
        if (snmp != null) {
            snmp.close();
        }
    }
}
