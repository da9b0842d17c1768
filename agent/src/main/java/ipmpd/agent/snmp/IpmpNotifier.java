package ipmpd.agent.snmp;

import ipmpd.agent.IpmpdLog;
import ipmpd.engine.EngineListener;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.GroupInfo;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.Family;
import ipmpd.engine.GroupState;
import ipmpd.engine.Vocabulary;
import org.snmp4j.agent.NotificationOriginator;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.VariableBinding;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns engine events into notifications: the IPMP-MIB ones (when ipmpNotificationsEnabled, and
 * the type's bit of ipmpNotificationTypes) and
 * RFC 2863 linkUp / linkDown for the tracked interfaces. Events arrive on the engine thread: the
 * varbinds are built there from the part of the engine's state the notification is about (the
 * interface's group, at that moment: its cost does not grow with the number of groups), and the
 * sending happens on the agent's own notification thread (informs are not waited for, see
 * {@link NotifySession}), so neither the engine nor other notifications wait for a receiver.
 */
final class IpmpNotifier implements EngineListener, AutoCloseable {
    private static final int QUEUE = 1000;

    private final SnmpModel model;
    private final Parts parts;
    private final NotificationOriginator originator;
    private final IpmpdLog log;
    private final ThreadPoolExecutor sender;
    private final AtomicLong dropped = new AtomicLong();
    /** The thread whose notifications wait for {@link #release()} (the engine thread), or null. */
    private volatile Thread holder;
    /** Held notifications, touched only by {@link #holder}. */
    private final List<Runnable> held = new ArrayList<>();
    /** The interface of the latest interface event (ipmpNotifyIfName of a following group state change). */
    private String lastInterface = "";
    /**
     * Per group, the members whose failure left it without a usable member: their
     * ipmpInterfaceFailed is not sent (the MIB: one ipmpGroupStateChange, allUnusable, instead),
     * and that notification names the member when there is one.
     */
    private final Map<String, Set<String>> lastFailures = new HashMap<>();

    /** The engine's state of one interface or group at this moment (on the engine's thread). */
    interface Parts {
        EngineSnapshot ofInterface(String ifname);

        EngineSnapshot ofGroup(String group);
    }

    IpmpNotifier(SnmpModel model, Parts parts, NotificationOriginator originator, IpmpdLog log) {
        this.model = model;
        this.parts = parts;
        this.originator = originator;
        this.log = log;
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "ipmpd-snmp-notify");
            t.setDaemon(true);
            // A failure's notifications go out while the engine thread (also at this priority)
            // still moves addresses and routes: ahead of the agent's request threads.
            t.setPriority(Thread.MAX_PRIORITY);
            return t;
        }, (r, ex) -> {
            if (dropped.getAndIncrement() % 100 == 0) {
                log.warning("SNMP: notification queue full; notifications dropped");
            }
        });
    }

    /**
     * Sends a notification from the notification thread (any thread may call this). On the thread
     * given to {@link #holdSendsOf} it waits, contents fixed, until that thread calls
     * {@link #release()}.
     */
    void send(OID trap, VariableBinding[] vbs) {
        if (sender.isShutdown() || !model.notificationTypeEnabled(trap)) {
            return;
        }
        TimeTicks upTime = new PlainTimeTicks(model.ticks()); // when the event happened, not when it is sent
        Runnable notification = () -> {
            try {
                originator.notify(new OctetString(), trap, upTime, vbs);
            } catch (RuntimeException e) {
                log.err("SNMP: internal error sending notification " + trap, e);
            }
        };
        if (Thread.currentThread() == holder) {
            held.add(notification);
            return;
        }
        sender.execute(notification);
        yieldToSender();
    }

    /**
     * From now on the notifications raised on {@code thread} (the engine thread) are queued there
     * until it calls {@link #release()} at the end of its turn: on one CPU, waking the notification
     * thread (and yielding to it) in the middle of a failover put the notifications' work before
     * the address move and its announcement. Null: none held.
     */
    void holdSendsOf(Thread thread) {
        release();
        holder = thread;
    }

    /** Hands the calling thread's held notifications to the notification thread, in order. */
    void release() {
        if (held.isEmpty() || Thread.currentThread() != holder) {
            return;
        }
        for (Runnable n : held) {
            sender.execute(n);
        }
        held.clear();
        yieldToSender();
    }

    private static void yieldToSender() {
        // The kernel wakes the notification thread on the CPU of the thread that woke it (here
        // usually the engine thread, in the middle of a failover). Traced with perf at 256
        // members, it then waited up to 5 ms for the engine thread to give up that CPU, the
        // other CPU idle. Yielding lets it send now; it needs well under a millisecond.
        Thread.yield();
    }

    /** Notifications dropped because the queue was full. */
    long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            if (!sender.awaitTermination(2, TimeUnit.SECONDS)) {
                sender.shutdownNow();
            }
        } catch (InterruptedException e) {
            sender.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** The interface's group (or the interface) as it is now: all a notification about it reports. */
    private SnmpModel.View viewOfInterface(String ifname) {
        return model.eventView(parts.ofInterface(ifname));
    }

    private SnmpModel.View viewOfGroup(String group) {
        return model.eventView(parts.ofGroup(group));
    }

    private static OID col(OID entry, int column, int index) {
        return IpmpMib.oid(entry, column, index);
    }

    private static OID col(OID entry, int column, long index) {
        return new OID(entry).append(column).appendUnsigned(index);
    }

    private static VariableBinding vb(OID oid, org.snmp4j.smi.Variable v) {
        return new VariableBinding(oid, v);
    }

    private static List<VariableBinding> ifObjects(SnmpModel.View v, InterfaceInfo i, boolean withLink) {
        int x = i.ifindex();
        List<VariableBinding> out = new ArrayList<>();
        out.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_NAME, x), IpmpMib.text(i.name())));
        out.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_GROUP_NAME, x), IpmpMib.text(i.group() == null ? "" : i.group())));
        if (withLink) {
            out.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_LINK, x), new Integer32(Vocabulary.of(i.link()).mib())));
        }
        out.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_STATE, x), new Integer32(Vocabulary.of(i.state()).mib())));
        out.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_FLAGS, x), IpmpMib.flagBits(IpmpMib.flags(i))));
        return out;
    }

    @Override
    public void linkChanged(String ifname, boolean up) {
        lastInterface = ifname;
        model.touch();
        SnmpModel.View v = viewOfInterface(ifname);
        InterfaceInfo i = v.snapshot.iface(ifname).orElse(null);
        if (i == null || i.ifindex() <= 0 || !i.tracked()) {
            return;
        }
        send(up ? SnmpConstants.linkUp : SnmpConstants.linkDown, IfMib.linkTrapVarbinds(i));
        if (v.notificationsEnabled) {
            send(up ? IpmpMib.LINK_UP : IpmpMib.LINK_DOWN, ifObjects(v, i, true).toArray(new VariableBinding[0]));
        }
    }

    private void interfaceEvent(OID trap, String ifname, Detection how) {
        lastInterface = ifname;
        model.touch();
        SnmpModel.View v = viewOfInterface(ifname);
        if (!v.notificationsEnabled) {
            return;
        }
        InterfaceInfo i = v.snapshot.iface(ifname).orElse(null);
        if (i == null || i.ifindex() <= 0) {
            return;
        }
        List<VariableBinding> vbs = ifObjects(v, i, false);
        vbs.add(vb(IpmpMib.notifyInstance(IpmpMib.N_DETECTION), new Integer32(Vocabulary.of(how).mib())));
        send(trap, vbs.toArray(new VariableBinding[0]));
    }

    @Override
    public void interfaceFailed(String ifname, String group, Detection how) {
        if (group != null && noMemberUsable(viewOfGroup(group).snapshot, group)) {
            lastInterface = ifname;
            model.touch();
            lastFailures.computeIfAbsent(group, k -> new LinkedHashSet<>()).add(ifname);
            return;
        }
        interfaceEvent(IpmpMib.INTERFACE_FAILED, ifname, how);
    }

    /** Every member of the group failed, offline, without link or missing (the group is failing). */
    private static boolean noMemberUsable(EngineSnapshot s, String group) {
        GroupInfo g = s.group(group).orElse(null);
        if (g == null) {
            return false;
        }
        for (String m : g.members()) {
            InterfaceInfo i = s.iface(m).orElse(null);
            if (i != null && i.present() && !i.failed() && !i.offline()
                    && i.link() == EngineSnapshot.LinkState.UP) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void probingChanged(String ifname, String group, ProbingChange change, InetAddress address) {
        model.touch();
        SnmpModel.View v = viewOfInterface(ifname);
        InterfaceInfo i = v.snapshot.iface(ifname).orElse(null);
        if (!v.notificationsEnabled || i == null || i.ifindex() <= 0) {
            return;
        }
        int x = i.ifindex();
        List<VariableBinding> vbs = new ArrayList<>();
        vbs.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_NAME, x), IpmpMib.text(ifname)));
        vbs.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_GROUP_NAME, x), IpmpMib.text(i.group() == null ? "" : i.group())));
        vbs.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_PROBE, x), new Integer32(Vocabulary.of(i.probe()).mib())));
        vbs.add(vb(IpmpMib.notifyInstance(IpmpMib.N_PROBING_CHANGE), new Integer32(Vocabulary.of(change).mib())));
        vbs.addAll(address(address, x));
        send(IpmpMib.PROBING_CHANGE, vbs.toArray(new VariableBinding[0]));
    }

    @Override
    public void probeTargetChanged(String ifname, String group, InetAddress target, TargetChange change) {
        SnmpModel.View v = viewOfInterface(ifname);
        InterfaceInfo i = v.snapshot.iface(ifname).orElse(null);
        if (!v.notificationsEnabled || i == null || i.ifindex() <= 0) {
            return;
        }
        int x = i.ifindex();
        List<VariableBinding> vbs = new ArrayList<>();
        vbs.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_NAME, x), IpmpMib.text(ifname)));
        vbs.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_GROUP_NAME, x), IpmpMib.text(i.group() == null ? "" : i.group())));
        vbs.add(vb(IpmpMib.notifyInstance(IpmpMib.N_TARGET_CHANGE), new Integer32(Vocabulary.of(change).mib())));
        vbs.addAll(address(target, x));
        send(IpmpMib.TARGET_CHANGE, vbs.toArray(new VariableBinding[0]));
    }

    /** ipmpNotifyAddressType and ipmpNotifyAddress (unknown(0) and empty for no address; ipv6z zoned by ifindex). */
    private static List<VariableBinding> address(InetAddress a, int ifindex) {
        return List.of(
                vb(IpmpMib.notifyInstance(IpmpMib.N_ADDRESS_TYPE),
                        new Integer32(a == null ? IpmpMib.ADDR_UNKNOWN : IpmpMib.addrType(a))),
                vb(IpmpMib.notifyInstance(IpmpMib.N_ADDRESS),
                        new OctetString(a == null ? new byte[0] : IpmpMib.addrBytes(a, ifindex))));
    }

    @Override
    public void memberConfigChanged(String ifname, String group, ConfigChange change) {
        lastInterface = ifname;
        model.touch();
        SnmpModel.View v = viewOfInterface(ifname);
        if (!v.notificationsEnabled) {
            return;
        }
        InterfaceInfo i = v.snapshot.iface(ifname).orElse(null);
        int x = i == null ? v.ifindex(ifname) : i.ifindex();
        if (x <= 0) {
            return;
        }
        VariableBinding state = i == null ? null
                : vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_STATE, x), new Integer32(Vocabulary.of(i.state()).mib()));
        List<VariableBinding> vbs = new ArrayList<>();
        vbs.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_NAME, x), IpmpMib.text(ifname)));
        vbs.add(vb(IpmpMib.notifyInstance(IpmpMib.N_GROUP_NAME), IpmpMib.text(group == null ? "" : group)));
        vbs.add(vb(IpmpMib.notifyInstance(IpmpMib.N_CONFIG_CHANGE), new Integer32(Vocabulary.of(change).mib())));
        if (i != null) {
            vbs.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_STANDBY, x), IpmpMib.truth(i.standby())));
            vbs.add(vb(col(IpmpMib.IF_ENTRY, IpmpMib.IF_OFFLINE, x), IpmpMib.truth(i.offline())));
            vbs.add(state);
        }
        send(IpmpMib.CONFIG_CHANGE, vbs.toArray(new VariableBinding[0]));
    }

    @Override
    public void interfaceRepaired(String ifname, String group, Detection how) {
        if (group != null) {
            lastFailures.remove(group);
        }
        interfaceEvent(IpmpMib.INTERFACE_REPAIRED, ifname, how);
    }

    @Override
    public void groupStateChanged(String group, GroupState before, GroupState after, GroupEvent event) {
        model.touch();
        Set<String> failedLast = lastFailures.remove(group);
        SnmpModel.View v = viewOfGroup(group);
        if (!v.notificationsEnabled) {
            return;
        }
        long gi = v.indexOf(group);
        GroupInfo g = v.snapshot.group(group).orElse(null);
        if (gi == 0 || g == null) {
            return;
        }
        String cause;
        if (event == GroupEvent.ALL_UNUSABLE && failedLast != null) {
            // one member failing last names it; all failing at once (group failure) names none
            cause = failedLast.size() == 1 ? failedLast.iterator().next() : "";
        } else {
            cause = g.members().contains(lastInterface) ? lastInterface : "";
        }
        send(IpmpMib.GROUP_STATE_CHANGE, new VariableBinding[] {
            vb(col(IpmpMib.GROUP_ENTRY, IpmpMib.G_NAME, gi), IpmpMib.text(group)),
            vb(col(IpmpMib.GROUP_ENTRY, IpmpMib.G_STATE, gi), new Integer32(Vocabulary.of(after).mib())),
            vb(IpmpMib.notifyInstance(IpmpMib.N_PREV_GROUP_STATE), new Integer32(Vocabulary.of(before).mib())),
            vb(IpmpMib.notifyInstance(IpmpMib.N_GROUP_EVENT), new Integer32(Vocabulary.of(event).mib())),
            vb(col(IpmpMib.GROUP_ENTRY, IpmpMib.G_MEMBERS, gi), new org.snmp4j.smi.Gauge32(g.members().size())),
            vb(col(IpmpMib.GROUP_ENTRY, IpmpMib.G_ACTIVE, gi), new org.snmp4j.smi.Gauge32(g.active().size())),
            vb(IpmpMib.notifyInstance(IpmpMib.N_IF_NAME), IpmpMib.text(cause))
        });
    }

    @Override
    public void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
        model.addressMoved(address, to);
        SnmpModel.View v = viewOfGroup(group);
        if (!v.notificationsEnabled) {
            return;
        }
        long gi = v.indexOf(group);
        if (gi == 0) {
            return;
        }
        int fromIdx = v.ifindex(from);
        if (fromIdx == 0 && from != null) { // the member it left has just left the group
            fromIdx = viewOfInterface(from).ifindex(from);
        }
        int toIdx = v.ifindex(to);
        send(IpmpMib.ADDRESS_MOVED, new VariableBinding[] {
            vb(IpmpMib.notifyInstance(IpmpMib.N_ADDRESS_TYPE), new Integer32(IpmpMib.addrType(address))),
            vb(IpmpMib.notifyInstance(IpmpMib.N_ADDRESS), new OctetString(IpmpMib.addrBytes(address, fromIdx))),
            vb(col(IpmpMib.GROUP_ENTRY, IpmpMib.G_NAME, gi), IpmpMib.text(group)),
            vb(IpmpMib.notifyInstance(IpmpMib.N_MOVE_REASON), new Integer32(Vocabulary.of(reason).mib())),
            vb(IpmpMib.notifyInstance(IpmpMib.N_FROM_IFINDEX), new Integer32(fromIdx)),
            vb(IpmpMib.notifyInstance(IpmpMib.N_FROM_IFNAME), IpmpMib.text(from)),
            vb(IpmpMib.notifyInstance(IpmpMib.N_TO_IFINDEX), new Integer32(toIdx)),
            vb(IpmpMib.notifyInstance(IpmpMib.N_TO_IFNAME), IpmpMib.text(to))
        });
    }

    @Override
    public void fdtChanged(String group, long beforeMs, long afterMs, FdtReason reason, String ifname,
                           Family family) {
        model.touch();
        SnmpModel.View v = viewOfGroup(group);
        long configured = v.snapshot.config().failureDetectionTimeMs();
        if (!v.notificationsEnabled) {
            return;
        }
        long gi = v.indexOf(group);
        if (gi == 0) {
            return;
        }
        send(IpmpMib.FDT_CHANGED, new VariableBinding[] {
            vb(col(IpmpMib.GROUP_ENTRY, IpmpMib.G_NAME, gi), IpmpMib.text(group)),
            vb(col(IpmpMib.GROUP_ENTRY, IpmpMib.G_FDT, gi), IpmpMib.u32(afterMs)),
            vb(IpmpMib.notifyInstance(IpmpMib.N_PREV_FDT), IpmpMib.u32(beforeMs)),
            vb(IpmpMib.oid(IpmpMib.GLOBALS, IpmpMib.FDT, 0), IpmpMib.u32(configured)),
            vb(IpmpMib.notifyInstance(IpmpMib.N_FDT_REASON), new Integer32(Vocabulary.of(reason).mib())),
            vb(IpmpMib.notifyInstance(IpmpMib.N_IF_NAME), IpmpMib.text(""))
        });
    }

    /**
     * sysUpTime.0 of a notification, printed as a plain number. snmp4j-agent logs every trap it
     * sends by formatting the whole PDU, whether or not anything logs (NotificationOriginatorImpl,
     * unguarded), and TimeTicks prints through a new MessageFormat: that was most of the
     * notification thread's time, and each notification waited for the previous one's. (A fifth
     * of a warm notification's cost still, until the clone below kept the type.)
     */
    static final class PlainTimeTicks extends TimeTicks {
        private static final long serialVersionUID = 1L;

        PlainTimeTicks(long hundredths) {
            super(hundredths);
        }

        @Override
        public String toString() {
            return Long.toString(getValue());
        }

        /** VariableBinding keeps a clone: without this it would be a plain TimeTicks again. */
        @Override
        public Object clone() {
            return new PlainTimeTicks(getValue());
        }
    }
}
