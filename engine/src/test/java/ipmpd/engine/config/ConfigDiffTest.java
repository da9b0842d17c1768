package ipmpd.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ipmpd.engine.Addresses;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.config.IpmpConfiguration.DataAddress;
import ipmpd.engine.config.IpmpConfiguration.GroupConfig;
import ipmpd.engine.config.IpmpConfiguration.MemberConfig;
import ipmpd.engine.config.IpmpConfiguration.TestAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a refused NETCONF commit says changed out of band: one phrase per node. */
class ConfigDiffTest {
    private static IpmpConfiguration config(int fdt, boolean standby, String dataHome, String... targets) {
        List<java.net.InetAddress> t = java.util.Arrays.stream(targets).map(Addresses::literal).toList();
        return new IpmpConfiguration(new EngineConfig(fdt, true, true, 0), List.of(new GroupConfig("prod", List.of(
                new MemberConfig("m1", false, false, List.of(new TestAddress(Addresses.literal("192.0.2.11"), 24))),
                new MemberConfig("m2", standby, false, List.of())),
                List.of(new DataAddress(Addresses.literal("192.0.2.50"), 24, dataHome)), t)));
    }

    @Test
    void equalConfigurationsHaveNoDifference() {
        assertEquals(List.of(), ConfigDiff.describe(config(1000, false, "m1"), config(1000, false, "m1")));
    }

    @Test
    void eachChangedNodeIsNamed() {
        assertEquals(List.of("the global settings (mpathd)", "group prod: probe targets",
                        "member m2 of group prod: standby", "data address 192.0.2.50 of group prod"),
                ConfigDiff.describe(config(1000, false, "m1"), config(2000, true, "m2", "192.0.2.1")));
    }

    @Test
    void aGroupsIpmpInterfaceIsANode() {
        IpmpConfiguration classic = config(1000, false, "m1");
        GroupConfig g = classic.groups().get(0);
        IpmpConfiguration withIpmp = new IpmpConfiguration(classic.global(), List.of(new GroupConfig(g.name(),
                g.members(), List.of(), g.targets(), "ipmp0")));
        IpmpConfiguration classicNoData = new IpmpConfiguration(classic.global(), List.of(new GroupConfig(g.name(),
                g.members(), List.of(), g.targets())));
        assertEquals(List.of("group prod: IPMP interface"), ConfigDiff.describe(classicNoData, withIpmp));
    }

    @Test
    void groupsAndMembersComingAndGoing() {
        IpmpConfiguration none = new IpmpConfiguration(new EngineConfig(1000, true, true, 0), List.of());
        assertEquals(List.of("group prod added"), ConfigDiff.describe(none, config(1000, false, "m1")));
        assertEquals(List.of("group prod removed"), ConfigDiff.describe(config(1000, false, "m1"), none));
    }
}
