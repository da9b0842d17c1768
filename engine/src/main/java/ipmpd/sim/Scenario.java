package ipmpd.sim;

import ipmpd.engine.AdminException;
import ipmpd.engine.Addresses;
import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.EngineListener;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.Family;
import ipmpd.engine.HostResolver;
import ipmpd.engine.IfMpadmOptions;
import ipmpd.engine.IfconfigCommand;
import ipmpd.engine.Ipmpstat;
import ipmpd.engine.MpathdFile;
import ipmpd.engine.ProbeEvent;
import ipmpd.engine.Route;
import ipmpd.engine.Tokenizer;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Runs a scenario (one command per line, '#' comments) against the engine on a simulated link
 * with a virtual clock, and writes the transcript: log messages as "@SECONDS MESSAGE" when they
 * happen, and each command's output as the real tool prints it.
 */
public final class Scenario {
    /** A scenario line that cannot be run (not a tool error: a mistake in the scenario itself). */
    public static final class ScenarioError extends Exception {
        public ScenarioError(String message) {
            super(message);
        }
    }

    private final VirtualClock clock = new VirtualClock();
    private final SimLink link;
    private final Engine engine;
    private final StringBuilder out = new StringBuilder();
    private int nextIfIndex = 2;
    private Ipmpstat.ProbePrinter probeStream;

    public Scenario() {
        this(EngineConfig.defaults().withQuietPeriod(0), 1);
    }

    public Scenario(EngineConfig config, long seed) {
        this(config, seed, new EngineListener() { });
    }

    /** A scenario whose engine also reports to {@code also} (tests that look at the events). */
    public Scenario(EngineConfig config, long seed, EngineListener also) {
        link = new SimLink(clock, seed);
        RandomGenerator random = new RandomGenerator() {
            @Override
            public long nextLong() {
                return link.random().nextLong();
            }

            @Override
            public double nextDouble() {
                return link.random().nextDouble();
            }
        };
        EngineListener transcript = new EngineListener() {
            @Override
            public void log(String message) {
                out.append(String.format(Locale.ROOT, "@%.3f %s%n", clock.nanos() / 1e9, message));
            }

            @Override
            public void probeResolved(ProbeEvent event) {
                if (probeStream != null) {
                    out.append(probeStream.print(event));
                }
            }
        };
        engine = new Engine(clock, link, EngineListener.all(transcript, also), random, config);
        link.attach(engine);
        link.ipmpIndex = this::lowestFreeIndex;
    }

    public Engine engine() {
        return engine;
    }

    public SimLink link() {
        return link;
    }

    public VirtualClock clock() {
        return clock;
    }

    /** The transcript so far. */
    public String transcript() {
        return out.toString();
    }

    /** Runs the lines and returns what the commands printed, without the daemon's log lines ("@time ..."). */
    public String printedBy(String... lines) throws ScenarioError {
        int from = out.length();
        for (String l : lines) {
            run(l);
        }
        return out.substring(from).replaceAll("(?m)^@.*\n", "");
    }

    /** Runs a whole scenario text. */
    public void runAll(List<String> lines) throws ScenarioError {
        int n = 0;
        for (String line : lines) {
            n++;
            try {
                run(line);
            } catch (ScenarioError e) {
                throw new ScenarioError("line " + n + ": " + e.getMessage());
            }
        }
    }

    /** Runs one scenario line. */
    public void run(String line) throws ScenarioError {
        int hash = line.indexOf('#');
        String text = hash >= 0 ? line.substring(0, hash) : line;
        List<String> w = Tokenizer.split(text);
        if (w.isEmpty()) {
            return;
        }
        List<String> args = w.subList(1, w.size());
        switch (w.get(0)) {
            case "ifconfig" -> ifconfig(args);
            case "if_mpadm" -> ifMpadm(args);
            case "route" -> route(args);
            case "mpathd" -> mpathd(args);
            case "ipmpstat" -> ipmpstat(args);
            case "host" -> host(args);
            case "hosts" -> hosts(args);
            case "netmasks" -> netmasks(args);
            case "link" -> link(args);
            case "cut" -> pathState(args, true);
            case "mend" -> pathState(args, false);
            case "wait" -> link.advanceTo(clock.nanos() + duration(one(args, "wait DURATION")));
            case "seed" -> link.reseed(Long.parseLong(one(args, "seed N")));
            case "sendlag" -> link.sendLagNs = duration(one(args, "sendlag DURATION"));
            case "nic" -> {
                if (args.size() == 2) {
                    nic(args.get(0), index(args.get(1)));
                } else {
                    nic(one(args, "nic IF [INDEX]"));
                }
            }
            case "platform" -> {
                // What the engine asked of the platform about traffic since the last "platform".
                for (String call : link.takeCalls()) {
                    out.append("platform: ").append(call).append('\n');
                }
            }
            case "mac" -> {
                if (args.size() != 2) {
                    throw new ScenarioError("usage: mac IF AA:BB:CC:DD:EE:FF");
                }
                nic(args.get(0));
                engine.nicAdded(args.get(0), -1, link.linkUp(args.get(0)), parseMac(args.get(1)));
            }
            case "detach" -> {
                String name = one(args, "detach IF");
                detached.add(name);
                engine.nicRemoved(name);
            }
            case "attach" -> attach(one(args, "attach IF"));
            case "hostname", "hostname6" -> bootFile(w.get(0).equals("hostname6") ? Family.INET6 : Family.INET, args);
            case "boot" -> {
                for (String problem : engine.boot()) {
                    out.append(problem).append('\n');
                }
            }
            default -> throw new ScenarioError("unknown command: " + w.get(0));
        }
        link.advanceTo(clock.nanos());
    }

    private static String one(List<String> args, String usage) throws ScenarioError {
        if (args.size() != 1) {
            throw new ScenarioError("usage: " + usage);
        }
        return args.get(0);
    }

    /** "500ms", "12s", "2m", "1.5s". */
    static long duration(String text) throws ScenarioError {
        try {
            if (text.endsWith("us")) {
                return (long) (Double.parseDouble(text.substring(0, text.length() - 2)) * 1e3);
            }
            if (text.endsWith("ms")) {
                return (long) (Double.parseDouble(text.substring(0, text.length() - 2)) * 1e6);
            }
            if (text.endsWith("s")) {
                return (long) (Double.parseDouble(text.substring(0, text.length() - 1)) * 1e9);
            }
            if (text.endsWith("m")) {
                return (long) (Double.parseDouble(text.substring(0, text.length() - 1)) * 60e9);
            }
            if (text.endsWith("h")) {
                return (long) (Double.parseDouble(text.substring(0, text.length() - 1)) * 3600e9);
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new ScenarioError("bad duration: " + text + " (use e.g. 300us, 500ms, 12s, 2m)");
    }

    private final List<String> known = new ArrayList<>();
    private final List<String> detached = new ArrayList<>();

    private static int index(String text) throws ScenarioError {
        try {
            int n = Integer.parseInt(text);
            if (n >= 2) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new ScenarioError("bad interface index: " + text + " (2 or more; 1 is lo0)");
    }

    private final java.util.Map<String, Integer> nicIndexes = new java.util.HashMap<>();

    /** An IPMP device's index: the lowest one no NIC or other IPMP device has (lo0 is 1). */
    private int lowestFreeIndex(String name) {
        java.util.Set<Integer> used = new java.util.HashSet<>(nicIndexes.values());
        used.addAll(link.ipmpDevices.values());
        int n = 2;
        while (used.contains(n)) {
            n++;
        }
        return n;
    }

    private void nic(String name) {
        nic(name, -1);
    }

    /** A NIC with the kernel index given, or the next one (-1). */
    private void nic(String name, int given) {
        if (!known.contains(name)) {
            known.add(name);
            link.links.putIfAbsent(name, Boolean.TRUE);
            while (given <= 0 && link.ipmpDevices.containsValue(nextIfIndex)) {
                nextIfIndex++; // taken by an IPMP device
            }
            int index = given > 0 ? given : nextIfIndex++;
            nextIfIndex = Math.max(nextIfIndex, index + 1);
            nicIndexes.put(name, index);
            engine.nicAdded(name, index, link.linkUp(name), new byte[] {8, 0, 0x20, (byte) 0xb9, 0, (byte) index});
        }
    }

    private static byte[] parseMac(String text) throws ScenarioError {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new ScenarioError("bad hardware address: " + text);
        }
        byte[] mac = new byte[6];
        try {
            for (int i = 0; i < 6; i++) {
                mac[i] = (byte) Integer.parseInt(parts[i], 16);
            }
        } catch (NumberFormatException e) {
            throw new ScenarioError("bad hardware address: " + text);
        }
        return mac;
    }

    private void attach(String name) {
        detached.remove(name);
        if (!known.contains(name)) {
            nic(name);
        } else {
            nicIndexes.put(name, nextIfIndex);
            engine.nicAdded(name, nextIfIndex++, link.linkUp(name));
        }
    }

    private void ifconfig(List<String> args) {
        if (!args.isEmpty() && args.contains("plumb") && !args.get(0).equals("-a")) {
            String name = args.get(0).split(":")[0];
            if (!detached.contains(name)) {
                nic(name);
            }
        }
        try {
            out.append(IfconfigCommand.execute(engine, args));
        } catch (AdminException e) {
            out.append(e.getMessage()).append('\n');
        }
    }

    private void ifMpadm(List<String> args) {
        try {
            IfMpadmOptions request = IfMpadmOptions.parse(args);
            request.precheck(engine.snapshot());
            if (request.offline()) {
                engine.offline(request.ifname());
            } else {
                engine.undoOffline(request.ifname());
            }
        } catch (AdminException e) {
            out.append(e.getMessage()).append('\n');
        }
    }

    private void route(List<String> args) throws ScenarioError {
        // route add|delete -host DEST GATEWAY [-static]
        List<String> a = new ArrayList<>(args);
        a.remove("-static");
        if (a.size() != 4 || !a.get(1).equals("-host") || !(a.get(0).equals("add") || a.get(0).equals("delete"))) {
            throw new ScenarioError("usage: route add|delete -host DEST GATEWAY [-static]");
        }
        Optional<InetAddress> dst = Addresses.parse(a.get(2));
        Optional<InetAddress> gw = Addresses.parse(a.get(3));
        if (dst.isEmpty() || gw.isEmpty()) {
            out.append("route: bad address: ").append(dst.isEmpty() ? a.get(2) : a.get(3)).append('\n');
            return;
        }
        Route r = new Route(dst.get(), dst.get().getAddress().length * 8, gw.get());
        if (a.get(0).equals("add")) {
            if (link.routes.contains(r)) {
                out.append("add host ").append(a.get(2)).append(": gateway ").append(a.get(3))
                        .append(": entry exists\n");
                return;
            }
            link.routes.add(r);
            out.append("add host ").append(a.get(2)).append(": gateway ").append(a.get(3)).append('\n');
        } else {
            if (!link.routes.remove(r)) {
                out.append("delete host ").append(a.get(2)).append(": gateway ").append(a.get(3))
                        .append(": not in table\n");
                return;
            }
            out.append("delete host ").append(a.get(2)).append(": gateway ").append(a.get(3)).append('\n');
        }
        engine.routesChanged(link.routes);
    }

    private void mpathd(List<String> args) {
        MpathdFile.Result r = MpathdFile.parse(args, engine.config());
        for (String m : r.messages()) {
            out.append(String.format(Locale.ROOT, "@%.3f %s%n", clock.nanos() / 1e9, m));
        }
        engine.applyConfig(r.config());
    }

    private void ipmpstat(List<String> args) {
        Ipmpstat.Options o;
        try {
            o = Ipmpstat.parse(args);
        } catch (AdminException e) {
            out.append(e.getMessage()).append('\n');
            return;
        }
        EngineSnapshot s = engine.snapshot();
        if (o.mode() == 'p') {
            StringBuilder err = new StringBuilder();
            Ipmpstat.ProbePrinter printer;
            try {
                printer = new Ipmpstat.ProbePrinter(o, clock.nanos(), err);
            } catch (AdminException e) {
                out.append(err).append(e.getMessage()).append('\n');
                return;
            }
            out.append(err);
            if (!Ipmpstat.anyProbing(s)) {
                out.append("ipmpstat: probe-based failure detection is disabled\n");
                return;
            }
            probeStream = printer;
            return;
        }
        probeStream = null;
        Ipmpstat.Result r = Ipmpstat.run(o, s);
        out.append(r.stderr()).append(r.stdout());
    }

    private void host(List<String> args) throws ScenarioError {
        if (args.size() >= 3 && args.get(args.size() - 2).equals("rtt")) {
            // host ADDR [router] rtt DURATION: a neighbour that answers slowly (or fast again)
            long rtt = duration(args.get(args.size() - 1));
            host(args.subList(0, args.size() - 2));
            link.hosts.get(Addresses.format(Addresses.parse(args.get(0)).orElseThrow())).rttNs = rtt;
            return;
        }
        if (args.isEmpty() || args.size() > 2) {
            throw new ScenarioError("usage: host ADDR [router|down|up] [rtt DURATION]");
        }
        InetAddress a = Addresses.parse(args.get(0))
                .orElseThrow(() -> new ScenarioError("not an address: " + args.get(0)));
        String what = args.size() == 2 ? args.get(1) : "";
        switch (what) {
            case "" -> link.addHost(a, false);
            case "router" -> link.addHost(a, true);
            case "down", "up" -> {
                SimLink.Host h = link.hosts.get(Addresses.format(a));
                if (h == null) {
                    throw new ScenarioError("no such host: " + args.get(0));
                }
                h.up = what.equals("up");
            }
            default -> throw new ScenarioError("usage: host ADDR [router|down|up]");
        }
    }

    /** hosts NAME ADDR...: a line of the hosts file, for host names in ifconfig syntax. */
    private void hosts(List<String> args) throws ScenarioError {
        if (args.size() < 2 || !HostResolver.isHostName(args.get(0))) {
            throw new ScenarioError("usage: hosts NAME ADDR... (a host name and its addresses)");
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (String a : args.subList(1, args.size())) {
            addresses.add(Addresses.parse(a).orElseThrow(() -> new ScenarioError("not an address: " + a)));
        }
        for (InetAddress a : addresses) {
            link.defineName(args.get(0), a);
        }
    }

    /** netmasks NETWORK MASK: a line of /etc/inet/netmasks, for "netmask +". */
    private void netmasks(List<String> args) throws ScenarioError {
        if (args.size() != 2) {
            throw new ScenarioError("usage: netmasks NETWORK MASK (a line of /etc/inet/netmasks)");
        }
        InetAddress network = Addresses.parse(args.get(0)).filter(a -> Family.of(a) == Family.INET)
                .orElseThrow(() -> new ScenarioError("netmasks: not an IPv4 network number: " + args.get(0)));
        int prefix = Addresses.parseNetmask(args.get(1));
        if (prefix < 0) {
            throw new ScenarioError("netmasks: not a contiguous netmask: " + args.get(1));
        }
        if (prefix == 32) {
            throw new ScenarioError("netmasks: " + args.get(1) + ": the netmasks database cannot hold an all-ones mask");
        }
        link.defineNetmask(network, prefix);
    }

    private void link(List<String> args) throws ScenarioError {
        if (args.size() != 2 || !(args.get(1).equals("down") || args.get(1).equals("up"))) {
            throw new ScenarioError("usage: link IF down|up");
        }
        String name = args.get(0);
        boolean up = args.get(1).equals("up");
        link.links.put(name, up);
        engine.linkChanged(name, up);
    }

    private void pathState(List<String> args, boolean cut) throws ScenarioError {
        String name = one(args, cut ? "cut IF" : "mend IF");
        if (cut) {
            link.cut.add(name);
        } else {
            link.cut.remove(name);
        }
    }

    private void bootFile(Family f, List<String> args) throws ScenarioError {
        if (args.isEmpty()) {
            throw new ScenarioError("usage: hostname IF ARGS... (a line of /etc/hostname.IF)");
        }
        String name = args.get(0);
        String rest = String.join(" ", args.subList(1, args.size()).stream()
                .map(s -> s.isEmpty() ? "\"\"" : s).toList());
        List<String> lines = new ArrayList<>(bootLines(f, name));
        lines.add(rest);
        engine.setBootConfig(name, f, lines);
        (f == Family.INET ? boot4 : boot6).put(name, lines);
    }

    private final java.util.Map<String, List<String>> boot4 = new java.util.HashMap<>();
    private final java.util.Map<String, List<String>> boot6 = new java.util.HashMap<>();

    private List<String> bootLines(Family f, String name) {
        return (f == Family.INET ? boot4 : boot6).getOrDefault(name, List.of());
    }

    /** Marks a NIC missing (for a boot with a NIC that is not there). */
    void markDetached(String name) {
        detached.add(name);
    }
}
