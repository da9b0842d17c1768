package ipmpd.agent;

import ipmpd.engine.Engine;
import ipmpd.engine.ProbeStatistics;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the engine's thread publishes for the faces' threads (SNMP requests, NETCONF sessions): the
 * model generation and every interface's probe statistics, as of the end of the engine's last job
 * (the {@link EngineLoop} publishes after each turn, and before a {@link EngineLoop#call} returns,
 * so a caller reads at least what its own job did). The engine itself stays single-threaded; this
 * is the one place where its state crosses threads without a snapshot.
 */
public final class EnginePublisher {
    private volatile long modelGeneration = -1;
    private volatile long statisticsGeneration = -1;
    private final Map<String, ProbeStatistics> statistics = new ConcurrentHashMap<>();

    /** Publishes what changed since the last call; on the engine's thread. */
    public void publish(Engine engine) {
        Engine.StatisticsChanges changes = engine.takeStatisticsChanges();
        if (changes.all()) {
            Set<String> names = engine.interfaceNames();
            statistics.keySet().retainAll(names);
            for (String name : names) {
                statistics.put(name, engine.probeStatistics(name));
            }
        } else {
            for (String name : changes.interfaces()) {
                ProbeStatistics st = engine.probeStatistics(name);
                if (st == null) {
                    statistics.remove(name);
                } else {
                    statistics.put(name, st);
                }
            }
        }
        // statistics first: a reader that sees the new generation sees the statistics that came with it
        statisticsGeneration = engine.statisticsGeneration();
        modelGeneration = engine.modelGeneration();
    }

    /** {@link Engine#modelGeneration()} as last published (-1 before the first); any thread. */
    public long modelGeneration() {
        return modelGeneration;
    }

    /** {@link Engine#statisticsGeneration()} as last published (-1 before the first); any thread. */
    public long statisticsGeneration() {
        return statisticsGeneration;
    }

    /** An interface's probe statistics as last published, or null (no such interface, nothing published yet); any thread. */
    public ProbeStatistics probeStatistics(String ifname) {
        return statistics.get(ifname);
    }
}
