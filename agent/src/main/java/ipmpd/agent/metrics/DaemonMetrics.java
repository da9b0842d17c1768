package ipmpd.agent.metrics;

import ipmpd.agent.EngineLoop;
import ipmpd.agent.EnginePublisher;
import ipmpd.agent.IpmpdLog;
import ipmpd.agent.netconf.NetconfServer;
import ipmpd.agent.snmp.SnmpAgent;
import ipmpd.engine.Engine;
import ipmpd.engine.ProbeStatistics;

import java.util.List;

/** The daemon's Prometheus endpoint put together: the engine's metrics, then the faces'. */
public final class DaemonMetrics {
    private DaemonMetrics() {
    }

    /**
     * Starts the endpoint.
     *
     * @param snmp the SNMP agent now, or null
     * @param netconf the NETCONF server now, or null (not running)
     */
    public static MetricsServer start(MetricsSettings settings, EngineLoop loop,
                                      java.util.function.Supplier<SnmpAgent> snmp,
                                      java.util.function.Supplier<NetconfServer> netconf, IpmpdLog log) throws Exception {
        Engine engine = loop.call(loop::engine); // touched on the loop's thread only
        EnginePublisher published = loop.published(); // generations and statistics for other threads
        EngineMetrics em = new EngineMetrics(new EngineMetrics.EngineReads() {
            @Override
            public long modelGeneration() {
                return published.modelGeneration();
            }

            @Override
            public ProbeStatistics probeStatistics(String ifname) {
                return published.probeStatistics(ifname);
            }

            @Override
            public EngineMetrics.Taken take() throws Exception {
                return loop.call(() -> new EngineMetrics.Taken(engine.snapshot(), engine.modelGeneration()));
            }
        }, System::currentTimeMillis);
        double started = ProcessHandle.current().info().startInstant()
                .map(i -> i.toEpochMilli() / 1000.0).orElse(System.currentTimeMillis() / 1000.0);
        // the faces as they are at each scrape (SIGHUP may have restarted them)
        AgentMetrics am = new AgentMetrics(() -> {
            SnmpAgent s = snmp.get();
            return s == null ? null : s.activity();
        }, () -> {
            NetconfServer n = netconf.get();
            return n == null ? null : n.activity();
        }, started);
        return MetricsServer.start(settings, List.of(em::collect, am::collect), log);
    }
}
