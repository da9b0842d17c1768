package ipmpd.agent;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The daemon's signals (sun.misc.Signal, module jdk.unsupported): SIGHUP rereads the
 * configuration, SIGTERM and SIGINT stop cleanly. Handlers run on a JVM thread of their own, so
 * they may wait for the engine thread.
 */
final class Signals {
    private static final int SIGHUP = 1;

    /** signal(2), to undo an inherited "ignore". */
    interface CLib extends Library {
        Pointer signal(int signal, Pointer handler);
    }

    private Signals() {
    }

    static void install(Daemon d) {
        SignalHandler hup = s -> {
            try {
                d.reload();
            } catch (Exception e) {
                d.log().err("SIGHUP: reload failed", e);
            }
        };
        if (Signal.handle(new Signal("HUP"), hup) == SignalHandler.SIG_IGN) {
            // Started with SIGHUP ignored (nohup, some shells' background jobs): the JVM then keeps
            // ignoring it, but for this daemon SIGHUP means "reread the configuration", as for
            // in.mpathd. Back to the default disposition, then our handler.
            try {
                Native.load("c", CLib.class).signal(SIGHUP, Pointer.NULL);
                Signal.handle(new Signal("HUP"), hup);
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                d.log().warning("SIGHUP is ignored by the process that started ipmpd and cannot be caught: " + e);
            }
        }
        Signal.handle(new Signal("TERM"), s -> d.requestStop());
        Signal.handle(new Signal("INT"), s -> d.requestStop());
    }
}
