package ipmpd.agent.platform;

import ipmpd.agent.EngineLoop;
import ipmpd.agent.IpmpdLog;
import ipmpd.engine.Engine;
import ipmpd.engine.Family;
import ipmpd.linux.platform.EventSink;
import ipmpd.linux.platform.LinuxEvents;
import ipmpd.linux.platform.LinuxPlatform;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;

/**
 * The real data path: rtnetlink, ICMP probe sockets, gratuitous ARP / unsolicited NA (ipmpd-native).
 * The daemon runs in the network namespace it manages; the platform is built on the engine thread
 * and every Platform call stays there.
 */
final class LinuxDaemonPlatform implements DaemonPlatform {
    /** How long a probe reply may wait for the engine's next wake-up (read on the engine thread, it never waits). */
    private static final long REPLY_BATCH_NS = 2_000_000L;
    private final EngineLoop loop;
    private final IpmpdLog log;
    private final LinuxPlatform platform;
    private LinuxEvents events;
    private final KernelInterfaceStatistics statistics = new KernelInterfaceStatistics();

    private LinuxDaemonPlatform(EngineLoop loop, IpmpdLog log, LinuxPlatform platform) {
        this.loop = loop;
        this.log = log;
        this.platform = platform;
    }

    /**
     * Options ({@code --platform-opt KEY=VALUE}): {@code spread=yes|no} (default yes): outbound load
     * spreading, traffic from data addresses spread per flow over every active member.
     */
    static DaemonPlatform create(EngineLoop loop, PlatformFactory.Context context) throws Exception {
        IpmpdLog log = context.log();
        boolean spread = true;
        for (Map.Entry<String, String> o : context.options().entrySet()) {
            if (!o.getKey().equals("spread")) {
                throw new PlatformFactory.PlatformException("linux platform: unknown option " + o.getKey()
                        + " (known: spread)");
            }
            if (!o.getValue().equals("yes") && !o.getValue().equals("no")) {
                throw new PlatformFactory.PlatformException("linux platform: spread wants yes or no, not "
                        + o.getValue());
            }
            spread = o.getValue().equals("yes");
        }
        LinuxPlatform.Options options = LinuxPlatform.Options.defaults().withSpreading(spread);
        LinuxPlatform p = loop.call(() -> new LinuxPlatform(loop::execute, log::info, options));
        return new LinuxDaemonPlatform(loop, log, p);
    }

    @Override
    public void start(Engine engine) throws Exception {
        // On the engine thread: it sleeps in the events' epoll from now on, so link events and
        // probe replies are read where the engine runs (no second thread woken per reply; a
        // reply that came back during the probe's own sendto is read in the same wake-up).
        events = new LinuxEvents(EventSink.of(engine), loop::execute, r -> loop.executeSoon(r, REPLY_BATCH_NS), platform,
                log::info, LinuxEvents.Options.defaults());
        events.startWithoutThread();
        LinuxEvents e = events;
        loop.sleepIn(new EngineLoop.Sleeper() {
            @Override
            public void sleep(long timeoutNs) {
                e.step(timeoutNs);
            }

            @Override
            public void wake() {
                e.wakeUp();
            }
        });
    }

    @Override
    public java.util.List<String> removeOrphans() {
        return platform.removeOrphans();
    }

    @Override
    public void addAddress(AddressPlacement p) {
        platform.addAddress(p);
    }

    @Override
    public void removeAddress(AddressPlacement p) {
        platform.removeAddress(p);
    }

    @Override
    public void moveAddress(AddressPlacement from, AddressPlacement to) {
        platform.moveAddress(from, to);
    }

    @Override
    public void sendProbe(String ifname, Family family, InetAddress source, InetAddress target, int sequence) {
        platform.sendProbe(ifname, family, source, target, sequence);
    }

    @Override
    public void sendDiscovery(String ifname, Family family, InetAddress source) {
        platform.sendDiscovery(ifname, family, source);
    }

    @Override
    public void interfaceUp(String ifname) {
        platform.interfaceUp(ifname);
    }

    @Override
    public void memberJoined(String ifname, String group) {
        platform.memberJoined(ifname, group);
    }

    @Override
    public void memberLeft(String ifname) {
        platform.memberLeft(ifname);
    }

    @Override
    public void usabilityChanged(String ifname, boolean usable) {
        platform.usabilityChanged(ifname, usable);
    }

    @Override
    public void outboundMembersChanged(String group, java.util.List<String> members) {
        platform.outboundMembersChanged(group, members);
    }

    @Override
    public void outboundMembersChanged(String group, Family family, java.util.List<String> members) {
        platform.outboundMembersChanged(group, family, members);
    }

    @Override
    public void ipmpInterfaceCreated(String name, String group) {
        platform.ipmpInterfaceCreated(name, group);
    }

    @Override
    public void ipmpInterfaceRemoved(String name) {
        platform.ipmpInterfaceRemoved(name);
    }

    @Override
    public void bindInbound(String ipmpInterface, InetAddress address, String member) {
        platform.bindInbound(ipmpInterface, address, member);
    }

    @Override
    public boolean spreadsOutbound() {
        return platform.spreadsOutbound();
    }

    @Override
    public Map<Integer, InterfaceStatistics> interfaceStatistics() throws IOException {
        return statistics.read();
    }

    @Override
    public void close() {
        statistics.close();
        if (events != null) {
            events.close();
        }
        platform.close();
    }
}
