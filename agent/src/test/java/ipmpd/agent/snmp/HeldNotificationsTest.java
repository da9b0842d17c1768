package ipmpd.agent.snmp;

import ipmpd.agent.IpmpdLog;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.ProbeStatistics;
import ipmpd.testkit.Await;
import org.junit.jupiter.api.Test;
import org.snmp4j.agent.NotificationOriginator;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.VariableBinding;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The engine thread's notifications wait until the end of its turn (after a failover's moves and
 * announcements), then go out in the order raised, each stamped with the time of its event;
 * other threads' go out at once.
 */
class HeldNotificationsTest {
    private record Sent(OID trap, long ticks) {
    }

    private final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
    private final AtomicLong ticks = new AtomicLong(100);

    private IpmpNotifier notifier() {
        SnmpModel model = new SnmpModel(new SnmpModel.EngineReads() {
            @Override
            public long modelGeneration() {
                return 0;
            }

            @Override
            public ProbeStatistics probeStatistics(String ifname) {
                return null;
            }

            @Override
            public SnmpModel.Taken take() {
                throw new UnsupportedOperationException("not read here");
            }
        }, ticks::get);
        NotificationOriginator originator = new NotificationOriginator() {
            @Override
            public Object notify(OctetString context, OID trap, VariableBinding[] vbs) {
                throw new AssertionError("the notifier always gives the event's time");
            }

            @Override
            public Object notify(OctetString context, OID trap, TimeTicks upTime, VariableBinding[] vbs) {
                sent.add(new Sent(trap, upTime.getValue()));
                return null;
            }
        };
        return new IpmpNotifier(model, new IpmpNotifier.Parts() {
            @Override
            public EngineSnapshot ofInterface(String ifname) {
                throw new UnsupportedOperationException("not read here");
            }

            @Override
            public EngineSnapshot ofGroup(String group) {
                throw new UnsupportedOperationException("not read here");
            }
        }, originator, IpmpdLog.detached(null));
    }

    @Test
    void heldUntilReleasedInOrderWithTheirEventTimes() throws Exception {
        try (IpmpNotifier n = notifier()) {
            n.holdSendsOf(Thread.currentThread());
            n.send(SnmpConstants.linkDown, new VariableBinding[0]);
            ticks.set(101);
            n.send(IpmpMib.LINK_DOWN, new VariableBinding[0]);
            ticks.set(102);
            n.send(IpmpMib.INTERFACE_FAILED, new VariableBinding[0]);
            ticks.set(200);
            assertNull(sent.poll(200, TimeUnit.MILLISECONDS), "nothing is handed on before the release");

            n.release();

            List<Sent> expected = List.of(new Sent(SnmpConstants.linkDown, 100), new Sent(IpmpMib.LINK_DOWN, 101),
                    new Sent(IpmpMib.INTERFACE_FAILED, 102));
            for (Sent e : expected) {
                assertEquals(e, sent.poll(Await.PATIENCE.toSeconds(), TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void anotherThreadsNotificationsAndAReleaseElsewhereAreNotHeld() throws Exception {
        try (IpmpNotifier n = notifier()) {
            Thread engine = new Thread(() -> { }, "engine");
            n.holdSendsOf(engine);
            n.send(SnmpConstants.linkUp, new VariableBinding[0]);
            assertEquals(new Sent(SnmpConstants.linkUp, 100), sent.poll(Await.PATIENCE.toSeconds(), TimeUnit.SECONDS));
            n.release(); // not the holder: a no-op
            assertNull(sent.poll(100, TimeUnit.MILLISECONDS));
        }
    }
}
