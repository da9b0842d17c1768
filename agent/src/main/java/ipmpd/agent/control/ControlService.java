package ipmpd.agent.control;

import ipmpd.agent.ConfigStore;
import ipmpd.agent.EngineLoop;
import ipmpd.agent.ListenerHub;
import ipmpd.engine.AdminException;
import ipmpd.engine.Engine;
import ipmpd.engine.EngineListener;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.IfMpadmOptions;
import ipmpd.engine.IfconfigCommand;
import ipmpd.engine.Ipmpstat;
import ipmpd.engine.ProbeEvent;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * The tools, run inside the daemon: a request (tool name and arguments) becomes output and an
 * exit status, computed on the engine thread. Transport-free, so it is tested without sockets.
 */
public final class ControlService {
    public static final String IF_MPADM_USAGE = IfMpadmOptions.USAGE;
    public static final String PROBING_DISABLED = "ipmpstat: probe-based failure detection is disabled";
    /** Lines a slow ipmpstat -p client may fall behind before it is cut off. */
    static final int STREAM_BACKLOG = 4096;

    /** What a request produced. */
    public sealed interface Reply permits Done, Stream {
    }

    /** A finished request. */
    public record Done(String stdout, String stderr, int exitCode) implements Reply {
        static Done error(String message) {
            return new Done("", message.endsWith("\n") ? message : message + "\n", 1);
        }
    }

    /**
     * A running ipmpstat -p: {@code stderr} first, then every line from {@link Subscription#next()}
     * until the client goes away; then {@link Subscription#cancel()}.
     */
    public record Stream(String stderr, Subscription subscription) implements Reply {
    }

    /** The engine-side end of an ipmpstat -p stream. */
    public final class Subscription implements EngineListener {
        private static final String END = new String("end of stream");
        private final Ipmpstat.ProbePrinter printer;
        private final long startNs;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private volatile boolean cancelled;

        Subscription(Ipmpstat.ProbePrinter printer, long startNs) {
            this.printer = printer;
            this.startNs = startNs;
        }

        @Override
        public void probeResolved(ProbeEvent e) {
            if (cancelled || e.sentAtNs() - startNs < 0) {
                return; // probes sent before the request started are not part of its stream
            }
            if (lines.size() >= STREAM_BACKLOG) {
                cancel(); // the client does not read: drop it rather than grow without bound
                return;
            }
            lines.add(printer.print(e));
        }

        /** The next text to send; null when the stream has ended. Blocks. */
        public String next() throws InterruptedException {
            String s = lines.take();
            return s == END ? null : s;
        }

        /** Ends the stream (any thread): no more lines, {@link #next()} returns null. */
        public void cancel() {
            if (!cancelled) {
                cancelled = true;
                hub.remove(this);
                lines.add(END);
            }
        }
    }

    private final EngineLoop loop;
    private final ListenerHub hub;
    private final ConfigStore store;

    /** Without a configuration store: no member counts as offline by configuration. */
    public ControlService(EngineLoop loop, ListenerHub hub) {
        this(loop, hub, null);
    }

    /**
     * @param store the configuration store, which knows the members offline by configuration
     *              (if_mpadm -r refuses them); may be null
     */
    public ControlService(EngineLoop loop, ListenerHub hub, ConfigStore store) {
        this.loop = loop;
        this.hub = hub;
        this.store = store;
    }

    /** What if_mpadm -r says of a member that is offline by configuration (ipmp.conf "offline IF"). */
    public static String configuredOfflineMessage(String name) {
        return "if_mpadm: fatal: " + name + " is offline by configuration; change the configuration to bring it online";
    }

    /**
     * Runs one request.
     *
     * @param argv the tool and its arguments
     * @param privileged whether the client is uid 0
     * @param startNs when the request arrived (System.nanoTime), TIME 0 of ipmpstat -p
     */
    public Reply handle(List<String> argv, boolean privileged, long startNs) {
        if (argv.isEmpty()) {
            return new Done("", "ipmpd: bad request\n", 2);
        }
        String tool = argv.get(0);
        List<String> args = List.copyOf(argv.subList(1, argv.size()));
        try {
            return switch (tool) {
                case "ipmpstat" -> ipmpstat(args, startNs);
                case "if_mpadm" -> ifMpadm(args, privileged);
                case "ipmpadm" -> ipmpadm(args, privileged);
                default -> new Done("", "ipmpd: unknown command " + tool + "\n", 2);
            };
        } catch (RejectedExecutionException e) {
            return new Done("", tool + ": ipmpd is shutting down\n", 1);
        } catch (Exception e) {
            return new Done("", tool + ": internal error: " + e + "\n", 1);
        }
    }

    private Reply ipmpstat(List<String> args, long startNs) throws Exception {
        Ipmpstat.Options o;
        try {
            o = Ipmpstat.parse(args);
        } catch (AdminException e) {
            return Done.error(e.getMessage());
        }
        if (o.mode() != 'p') {
            Ipmpstat.Result r = loop.call(() -> Ipmpstat.run(o, engine().snapshot()));
            return new Done(r.stdout(), r.stderr(), r.exitCode());
        }
        return loop.call(() -> {
            // the fields first (their warnings too), then whether anything probes, as ipmpstat does
            StringBuilder err = new StringBuilder();
            Ipmpstat.ProbePrinter printer;
            try {
                printer = new Ipmpstat.ProbePrinter(o, startNs, err);
            } catch (AdminException e) {
                return new Done("", err + e.getMessage() + "\n", 1);
            }
            if (!Ipmpstat.anyProbing(engine().snapshot())) {
                return new Done("", err + PROBING_DISABLED + "\n", 1);
            }
            Subscription sub = new Subscription(printer, startNs);
            hub.add(sub);
            return new Stream(err.toString(), sub);
        });
    }

    private Reply ifMpadm(List<String> args, boolean privileged) throws Exception {
        IfMpadmOptions request;
        try {
            request = IfMpadmOptions.parse(args);
        } catch (AdminException e) {
            return Done.error(e.getMessage());
        }
        if (!privileged) {
            return Done.error(AccessPolicy.refusal("if_mpadm"));
        }
        String name = request.ifname();
        boolean offline = request.offline();
        return loop.call(() -> {
            try {
                request.precheck(engine().snapshot());
                if (offline) {
                    engine().offline(name);
                } else {
                    // offline by configuration (ipmp.conf): bringing it online at run time would
                    // make the next commit drop its configuration line; only a configuration
                    // change (NETCONF, ipmp.conf + SIGHUP) brings it back
                    if (store != null && engine().snapshot().iface(name)
                            .map(EngineSnapshot.InterfaceInfo::offline).orElse(false)
                            && store.configuredOffline().contains(name)) {
                        return Done.error(configuredOfflineMessage(name));
                    }
                    engine().undoOffline(name);
                }
                return new Done("", "", 0);
            } catch (AdminException e) {
                return Done.error(e.getMessage());
            }
        });
    }

    private Reply ipmpadm(List<String> args, boolean privileged) throws Exception {
        if (!privileged && AccessPolicy.isMutating("ipmpadm", args)) {
            return Done.error(AccessPolicy.refusal("ipmpadm"));
        }
        if (store == null || !AccessPolicy.isMutating("ipmpadm", args)) {
            return loop.call(() -> {
                try {
                    return new Done(IfconfigCommand.execute(engine(), args), "", 0);
                } catch (AdminException e) {
                    return Done.error(e.getMessage());
                }
            });
        }
        // A change is persisted like a NETCONF commit: applied on the engine thread, the files
        // written off it as one atomic step; if they cannot be written the engine goes back.
        record Changed(Done done, ConfigStore.Taken taken) {
        }
        Changed c = loop.call(() -> {
            Engine e = engine();
            ConfigStore.Running before = store.running(e);
            try {
                String out = IfconfigCommand.execute(e, args);
                return new Changed(new Done(out, "", 0), store.take(e, before.configured(), before.config()));
            } catch (AdminException ex) {
                return new Changed(Done.error(ex.getMessage()), null);
            }
        });
        if (c.taken() == null) {
            return c.done();
        }
        try {
            store.write(c.taken().render());
        } catch (java.io.IOException io) {
            loop.call(() -> {
                store.undo(engine(), c.taken());
                return null;
            });
            return Done.error("ipmpadm: the change could not be saved (" + io.getMessage() + "); nothing was changed");
        }
        return c.done();
    }

    private Engine engine() {
        return loop.engine();
    }
}
