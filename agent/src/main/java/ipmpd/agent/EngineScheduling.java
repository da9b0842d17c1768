package ipmpd.agent;

import ipmpd.linux.NativeIOException;
import ipmpd.linux.ThreadScheduling;
import java.util.Map;
import java.util.Set;

/**
 * agent.conf {@code engine.realtime-priority=off|1-99}: the engine thread (link events, probes,
 * every failover) scheduled SCHED_FIFO at that priority, so that it takes the CPU the moment a link
 * event wakes it instead of waiting behind busy ordinary tasks; off by default. Applied at start
 * and at SIGHUP (no restart); a bad value or a refusal by the kernel changes nothing and is logged.
 */
final class EngineScheduling {
    static final String KEY = "engine.realtime-priority";
    static final Set<String> KEYS = Set.of(KEY);

    private final EngineLoop loop;
    private final IpmpdLog log;
    private int applied; // 0: ordinary

    EngineScheduling(EngineLoop loop, IpmpdLog log) {
        this.loop = loop;
        this.log = log;
    }

    /** The priority agent.conf asks for, 0 for off. */
    static int parse(Map<String, String> conf) throws IllegalArgumentException {
        String v = conf.get(KEY);
        if (v == null || v.isBlank() || v.strip().equalsIgnoreCase("off") || v.strip().equals("0")) {
            return 0;
        }
        try {
            int p = Integer.parseInt(v.strip());
            if (p >= 1 && p <= ThreadScheduling.MAX_REALTIME_PRIORITY) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(KEY + ": expected off or a priority from 1 to "
                + ThreadScheduling.MAX_REALTIME_PRIORITY + ", not " + v.strip());
    }

    /**
     * Applies agent.conf's setting on the engine thread if it differs from what is in effect.
     * @param when what the log lines start with ("" at start, "SIGHUP: " at a reload)
     */
    void apply(Map<String, String> conf, String when) {
        int wanted;
        try {
            wanted = parse(conf);
        } catch (IllegalArgumentException e) {
            log.err(when + "agent.conf: " + e.getMessage() + "; the engine thread keeps its scheduling");
            return;
        }
        if (wanted == applied) {
            return;
        }
        String outcome;
        try {
            outcome = loop.call(() -> change(wanted));
        } catch (Exception e) {
            outcome = "Cannot change the engine thread's scheduling: " + e.getMessage();
        }
        if (applied == wanted) {
            log.info(when + outcome);
        } else {
            log.warning(when + outcome);
        }
    }

    /** On the engine thread. */
    private String change(int wanted) {
        try {
            if (wanted == 0) {
                ThreadScheduling.ordinary();
                applied = 0;
                return "The engine thread is scheduled as an ordinary thread again (" + KEY + " off)";
            }
            ThreadScheduling.realtime(wanted);
            applied = wanted;
            return "The engine thread runs at real-time priority " + wanted + " (SCHED_FIFO, " + KEY + ")";
        } catch (NativeIOException e) {
            return wanted == 0
                    ? "Cannot schedule the engine thread as an ordinary thread again: " + e.getMessage()
                    : "Cannot run the engine thread at real-time priority " + wanted + ": " + e.getMessage()
                            + " (it needs CAP_SYS_NICE or a real-time priority limit of at least " + wanted
                            + "; under systemd: RestrictRealtime=no and LimitRTPRIO=" + wanted + ")";
        }
    }

    /** The priority in effect, 0 for ordinary. */
    int applied() {
        return applied;
    }
}
