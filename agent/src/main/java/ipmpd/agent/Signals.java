package ipmpd.agent;

import sun.misc.Signal;

/**
 * The daemon's signals (sun.misc.Signal, module jdk.unsupported): SIGHUP rereads the
 * configuration, SIGTERM and SIGINT stop cleanly. Handlers run on a JVM thread of their own, so
 * they may wait for the engine thread.
 */
final class Signals {
    private Signals() {
    }

    static void install(Daemon d) {
        Signal.handle(new Signal("HUP"), s -> {
            try {
                d.reload();
            } catch (Exception e) {
                d.log().err("SIGHUP: reload failed", e);
            }
        });
        Signal.handle(new Signal("TERM"), s -> d.requestStop());
        Signal.handle(new Signal("INT"), s -> d.requestStop());
    }
}
