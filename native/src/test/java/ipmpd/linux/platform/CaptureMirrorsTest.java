package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.linux.TcCodec.Hook;
import ipmpd.linux.TcCodec.Key;

import ipmpd.linux.Errno;
import ipmpd.linux.NativeIOException;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which packets the mirror filters of a data address match. */
class CaptureMirrorsTest {

    @Test
    void anIpv4AddressIsMatchedAsDestinationInAndSourceOutWithItsArp() throws Exception {
        List<CaptureMirrors.Filter> f = CaptureMirrors.filters(InetAddress.getByName("192.0.2.50"));
        assertEquals(List.of(
                new CaptureMirrors.Filter(Hook.INGRESS, CaptureMirrors.PRIO_IPV4, 0x0800, List.of(new Key(0xc0000232, -1, 16))),
                new CaptureMirrors.Filter(Hook.EGRESS, CaptureMirrors.PRIO_IPV4, 0x0800, List.of(new Key(0xc0000232, -1, 12))),
                new CaptureMirrors.Filter(Hook.INGRESS, CaptureMirrors.PRIO_ARP, 0x0806, List.of(new Key(0xc0000232, -1, 24))),
                new CaptureMirrors.Filter(Hook.EGRESS, CaptureMirrors.PRIO_ARP, 0x0806,
                        List.of(new Key(0x0000c000, 0x0000ffff, 12), new Key(0x02320000, 0xffff0000, 16)))), f);
    }

    @Test
    void anIpv6AddressAlsoMatchesSolicitationsToItsGroupAndProxyAdvertisements() throws Exception {
        List<CaptureMirrors.Filter> f = CaptureMirrors.filters(InetAddress.getByName("2001:db8::12:3456"));
        assertEquals(4, f.size());
        assertTrue(f.stream().allMatch(x -> x.prio() == CaptureMirrors.PRIO_IPV6 && x.ethProtocol() == 0x86dd));
        assertEquals(new Key(0x20010db8, -1, 24), f.get(0).keys().get(0));
        assertEquals(new Key(0x00123456, -1, 36), f.get(0).keys().get(3));
        assertEquals(new Key(0x20010db8, -1, 8), f.get(1).keys().get(0));
        // next header ICMPv6, destination ff02::1:ff12:3456
        assertEquals(List.of(new Key(0x3a00, 0xff00, 4), new Key(0xff020000, -1, 24), new Key(0, -1, 28),
                new Key(1, -1, 32), new Key(0xff123456, -1, 36)), f.get(2).keys());
        assertEquals(Hook.EGRESS, f.get(3).hook());
        assertEquals(List.of(new Key(0x3a00, 0xff00, 4), new Key(0xfe800000, 0xffc00000, 8)), f.get(3).keys().subList(0, 2));
        assertEquals(new Key(0x00123456, -1, 60), f.get(3).keys().get(5)); // the ND target, bytes 48..63
    }

    @Test
    void theSolicitedNodeGroupKeepsTheLow24Bits() throws Exception {
        byte[] g = CaptureMirrors.solicitedNode(InetAddress.getByName("2001:db8::abcd:ef01").getAddress());
        assertArrayEquals(InetAddress.getByName("ff02::1:ffcd:ef01").getAddress(), g);
    }

    /** A kernel without cls_u32: clsact is accepted, the filter refused. */
    private static final class KernelWithoutU32 implements CaptureMirrors.Tc {
        final List<String> calls = new ArrayList<>();

        @Override
        public void addClsact(int index) {
            calls.add("add clsact " + index);
        }

        @Override
        public void deleteClsact(int index) {
            calls.add("delete clsact " + index);
        }

        @Override
        public void addMirrorFilter(int index, Hook hook, int prio, int ethProtocol, List<Key> keys, int mirrorTo)
                throws IOException {
            calls.add("add filter " + index);
            throw new NativeIOException("add mirror filter", Errno.ENOENT, "TC classifier not found");
        }

        @Override
        public void deleteFilters(int index, Hook hook, int prio) throws IOException {
            calls.add("delete filters " + index);
            throw new NativeIOException("delete filters", Errno.ENOENT);
        }

        @Override
        public List<Integer> filterPriorities(int index, Hook hook) {
            calls.add("dump filters " + index);
            return List.of();
        }
    }

    @Test
    void aKernelWithoutTheClassifierIsReportedOnceAndLeftAlone() throws Exception {
        KernelWithoutU32 kernel = new KernelWithoutU32();
        List<String> log = new ArrayList<>();
        CaptureMirrors mirrors = new CaptureMirrors(kernel, log::add);
        Map<Integer, CaptureMirrors.Mirror> want = Map.of(
                3, new CaptureMirrors.Mirror(9, Set.of(InetAddress.getByName("192.0.2.50"))),
                4, new CaptureMirrors.Mirror(9, Set.of(InetAddress.getByName("192.0.2.50"))));
        mirrors.sync(want);
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).startsWith("Capture on IPMP interfaces is unavailable") && log.get(0).contains("TC classifier not found"),
                log.get(0));
        assertTrue(mirrors.members().isEmpty());
        int member = kernel.calls.get(0).endsWith(" 3") ? 3 : 4;
        assertEquals("delete clsact " + member, kernel.calls.get(kernel.calls.size() - 1),
                "the qdisc added for nothing is taken away again: " + kernel.calls);
        int made = kernel.calls.size();
        mirrors.sync(want);
        assertEquals(made, kernel.calls.size(), "no more requests: " + kernel.calls);
        assertEquals(1, log.size(), log.toString());
    }
}
