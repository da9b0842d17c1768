package ipmpd.agent;

import ipmpd.engine.EngineListener;
import ipmpd.engine.Family;
import ipmpd.engine.GroupState;
import ipmpd.engine.ProbeEvent;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The engine's one listener, fanning its events out to the daemon's faces (the log, ipmpstat -p
 * streams, later SNMP traps and NETCONF notifications). Listeners may be added and removed from
 * any thread; events arrive on the engine thread. A listener that throws is skipped for that
 * event, never allowed to break the engine.
 */
public final class ListenerHub implements EngineListener {
    private final List<EngineListener> listeners = new CopyOnWriteArrayList<>();

    public void add(EngineListener l) {
        listeners.add(l);
    }

    public void remove(EngineListener l) {
        listeners.remove(l);
    }

    public int size() {
        return listeners.size();
    }

    private interface Call {
        void on(EngineListener l);
    }

    private void each(Call c) {
        for (EngineListener l : listeners) {
            try {
                c.on(l);
            } catch (RuntimeException e) {
                // one face failing must not stop the engine or the other faces
            }
        }
    }

    @Override
    public void log(String message) {
        each(l -> l.log(message));
    }

    @Override
    public void linkChanged(String ifname, boolean up) {
        each(l -> l.linkChanged(ifname, up));
    }

    @Override
    public void interfaceFailed(String ifname, String group, Detection how) {
        each(l -> l.interfaceFailed(ifname, group, how));
    }

    @Override
    public void interfaceRepaired(String ifname, String group, Detection how) {
        each(l -> l.interfaceRepaired(ifname, group, how));
    }

    @Override
    public void groupStateChanged(String group, GroupState before, GroupState after, GroupEvent event) {
        each(l -> l.groupStateChanged(group, before, after, event));
    }

    @Override
    public void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
        each(l -> l.addressMoved(address, group, from, to, reason));
    }

    @Override
    public void fdtChanged(String group, long beforeMs, long afterMs, FdtReason reason, String ifname,
                           Family family) {
        each(l -> l.fdtChanged(group, beforeMs, afterMs, reason, ifname, family));
    }

    @Override
    public void memberConfigChanged(String ifname, String group, ConfigChange change) {
        each(l -> l.memberConfigChanged(ifname, group, change));
    }

    @Override
    public void probingChanged(String ifname, String group, ProbingChange change, InetAddress address) {
        each(l -> l.probingChanged(ifname, group, change, address));
    }

    @Override
    public void probeTargetChanged(String ifname, String group, InetAddress target, TargetChange change) {
        each(l -> l.probeTargetChanged(ifname, group, target, change));
    }

    @Override
    public void probeResolved(ProbeEvent event) {
        each(l -> l.probeResolved(event));
    }
}
