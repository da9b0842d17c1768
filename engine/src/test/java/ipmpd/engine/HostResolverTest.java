package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.sim.Scenario;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host names in ifconfig syntax: the hosts file as getipnodebyname reads it, and ifconfig's error. */
class HostResolverTest {
    @TempDir
    Path dir;

    @Test
    void hostsFileNamesAndAliasesResolvePerFamilyFirstLineWins() throws Exception {
        Path hosts = dir.resolve("hosts");
        Files.write(hosts, List.of(
                "# the tutorial's names, on documentation addresses",
                "127.0.0.1\tlocalhost",
                "192.0.2.200  vhivemind-prod   prod   # the data address",
                "2001:db8::200 vhivemind-prod",
                "192.0.2.201 vhivemind-e1000g0",
                "192.0.2.99  VHIVEMIND-E1000G0",
                "not-an-address broken",
                "198.51.100.1"), StandardCharsets.UTF_8);
        SystemHostResolver r = new SystemHostResolver(hosts, false);
        assertEquals(Optional.of(Addresses.literal("192.0.2.200")), r.resolve("vhivemind-prod", Family.INET));
        assertEquals(Optional.of(Addresses.literal("192.0.2.200")), r.resolve("PROD", Family.INET));
        assertEquals(Optional.of(Addresses.literal("2001:db8::200")), r.resolve("vhivemind-prod", Family.INET6));
        assertEquals(Optional.of(Addresses.literal("192.0.2.201")), r.resolve("vhivemind-e1000g0", Family.INET));
        assertEquals(Optional.empty(), r.resolve("vhivemind-e1000g0", Family.INET6));
        assertEquals(Optional.empty(), r.resolve("broken", Family.INET));
        assertEquals(Optional.empty(), r.resolve("nosuchhost", Family.INET));
        // without a hosts file (and without the system resolver) nothing resolves
        assertEquals(Optional.empty(), new SystemHostResolver(dir.resolve("missing"), false)
                .resolve("vhivemind-prod", Family.INET));
    }

    @Test
    void onlyWordsThatCanBeHostNamesAreLookedUp() {
        assertTrue(HostResolver.isHostName("hivemind-prod-e1000g0"));
        assertTrue(HostResolver.isHostName("host_1.example"));
        assertFalse(HostResolver.isHostName("192.0.2.300"), "a mistyped address is not a name");
        assertFalse(HostResolver.isHostName("2001:db8::1"));
        assertFalse(HostResolver.isHostName("-failover"));
        assertFalse(HostResolver.isHostName(""));
        assertFalse(HostResolver.isHostName("two words"));
    }

    @Test
    void ifconfigSaysBadAddressForAnUnknownNameAndChangesNothing() throws Exception {
        Scenario s = new Scenario();
        s.run("hosts vhivemind-e1000g0 192.0.2.201");
        s.run("ifconfig e1000g0 plumb");
        EngineSnapshot before = s.engine().snapshot();
        AdminException e = org.junit.jupiter.api.Assertions.assertThrows(AdminException.class, () ->
                IfconfigCommand.execute(s.engine(), List.of("e1000g0", "vhidmind-e1000g0/24", "group", "prod", "up")));
        assertEquals("ifconfig: vhidmind-e1000g0/24: bad address", e.getMessage());
        assertEquals(before.interfaces(), s.engine().snapshot().interfaces(), "nothing of the command applied");
        IfconfigCommand.execute(s.engine(), List.of("e1000g0", "vhivemind-e1000g0/26", "group", "prod", "up"));
        EngineSnapshot.LifInfo unit0 = s.engine().snapshot().iface("e1000g0").orElseThrow().lifs().get(0);
        assertEquals(Addresses.literal("192.0.2.201"), unit0.address());
        assertEquals(26, unit0.prefixLen());
    }

    @Test
    void aBootFileSummaryResolvesNamesWithTheResolverItIsGiven() {
        List<String> file = List.of("vhivemind-e1000g0 deprecated -failover group production0 up \\",
                "addif vhivemind-prod netmask + broadcast + up");
        HostResolver names = (n, f) -> n.equals("vhivemind-prod") && f == Family.INET
                ? Optional.of(Addresses.literal("192.0.2.200")) : Optional.empty();
        IfconfigCommand.FileSummary s = IfconfigCommand.summarize("e1000g0", Family.INET, file, names);
        assertEquals("production0", s.group());
        assertEquals(List.of(new IfconfigCommand.DataAddress(Addresses.literal("192.0.2.200"), 24, 1, true)),
                s.dataAddresses());
        assertEquals(List.of(), IfconfigCommand.summarize("e1000g0", Family.INET, file).dataAddresses(),
                "without a resolver a name is not an address");
    }
}
