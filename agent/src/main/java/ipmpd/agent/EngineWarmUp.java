package ipmpd.agent;

import ipmpd.sim.Scenario;

import java.util.List;

/**
 * Runs the engine's failover, repair and failback code once at start-up, on a simulated link with
 * a virtual clock (a throwaway {@link Scenario}, no platform, nothing reaches the kernel or the
 * daemon's log), so the daemon's first real failover does not pay for loading, linking and
 * first-call bootstrapping of that code (about ten milliseconds more than later ones otherwise).
 * On a low-priority background thread: start-up does not wait for it.
 */
final class EngineWarmUp {
    private static final List<String> SCENARIO = List.of(
            "host 192.0.2.1 router",
            "host 2001:db8::1 router",
            "ifconfig w0 plumb 192.0.2.10/24 group warm up",
            "ifconfig w0 addif 192.0.2.11/24 -failover deprecated up",
            "ifconfig w0 inet6 plumb group warm up",
            "ifconfig w0 inet6 addif 2001:db8::10/64 up",
            "ifconfig w1 plumb 192.0.2.12/24 -failover deprecated group warm up",
            "ifconfig w1 inet6 plumb group warm up",
            "wait 20s",
            "link w0 down", // link-based failover
            "wait 1s",
            "link w0 up", // repair after probes, failback
            "wait 25s",
            "cut w0", // probe-based failover
            "wait 12s",
            "mend w0",
            "wait 30s");

    private EngineWarmUp() {
    }

    static void startInBackground() {
        Thread t = new Thread(EngineWarmUp::run, "ipmpd-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    static void run() {
        try {
            new Scenario().runAll(SCENARIO);
        } catch (Exception | LinkageError e) {
            // Only a warm-up: the real engine is unaffected either way.
        }
    }
}
