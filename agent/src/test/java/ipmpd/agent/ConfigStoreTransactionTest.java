package ipmpd.agent;

import ipmpd.engine.Addresses;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.config.ConfigException;
import ipmpd.engine.config.IpmpConfiguration;
import ipmpd.engine.config.IpmpConfiguration.DataAddress;
import ipmpd.engine.config.IpmpConfiguration.GroupConfig;
import ipmpd.engine.config.IpmpConfiguration.MemberConfig;
import ipmpd.engine.config.IpmpConfiguration.TestAddress;
import ipmpd.sim.Scenario;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Apply and persist as one transaction: a failed write takes the engine back; a refused apply writes nothing. */
class ConfigStoreTransactionTest {
    private final Path dir;

    ConfigStoreTransactionTest() throws IOException {
        dir = Files.createTempDirectory("ipmpd-store-txn");
    }

    @AfterEach
    void clean() throws IOException {
        ConfigJournal.deleteTree(dir);
    }

    private static Scenario host() throws Exception {
        Scenario s = new Scenario();
        s.run("host 192.0.2.1 router");
        s.run("nic net0");
        s.run("nic net1");
        return s;
    }

    private static IpmpConfiguration config(boolean standby, int fdt, String... data) {
        List<DataAddress> d = new java.util.ArrayList<>();
        for (String a : data) {
            d.add(new DataAddress(Addresses.literal(a), 24, "net0"));
        }
        return new IpmpConfiguration(new EngineConfig(fdt, true, true, 0), List.of(new GroupConfig("prod", List.of(
                new MemberConfig("net0", false, false, List.of(new TestAddress(Addresses.literal("192.0.2.11"), 24))),
                new MemberConfig("net1", standby, false, List.of(new TestAddress(Addresses.literal("192.0.2.12"), 24)))),
                d, List.of())));
    }

    private Map<String, String> files() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (var l = Files.list(dir)) {
            for (Path p : l.toList()) {
                out.put(p.getFileName().toString(), Files.isDirectory(p) ? "DIR" : Files.readString(p));
            }
        }
        return out;
    }

    @Test
    void aWriteThatFailsTakesTheEngineBackAndLeavesTheFiles() throws Exception {
        Scenario s = host();
        new ConfigStore(dir).commit(s.engine(), config(false, 10000, "192.0.2.50"));
        Map<String, String> filesA = files();
        IpmpConfiguration a = new ConfigStore(dir).current(s.engine());
        ConfigJournal failing = new ConfigJournal(dir, step -> {
            if (step == ConfigJournal.Step.STAGED) {
                throw new IOException("No space left on device");
            }
        });
        ConfigStore store = new ConfigStore(dir, failing);
        IpmpConfiguration b = config(true, 2000, "192.0.2.50", "192.0.2.51");
        IOException e = assertThrows(IOException.class, () -> store.commit(s.engine(), b));
        assertEquals("No space left on device", e.getMessage());
        assertEquals(a, store.current(s.engine()), "the engine runs what the files hold");
        assertEquals(filesA, files(), "the files are unchanged, no journal left");
        new ConfigStore(dir).commit(s.engine(), b);
        assertEquals(b, new ConfigStore(dir).current(s.engine()));
        assertNotEquals(filesA, files());
    }

    @Test
    void anApplyTheEngineRefusesWritesNothing() throws Exception {
        Scenario s = host();
        ConfigStore store = new ConfigStore(dir);
        store.commit(s.engine(), config(false, 10000, "192.0.2.50"));
        Map<String, String> before = files();
        IpmpConfiguration good = config(false, 10000, "192.0.2.50");
        GroupConfig g = good.groups().get(0);
        IpmpConfiguration invalid = new IpmpConfiguration(good.global(), List.of(new GroupConfig("prod", g.members(),
                List.of(new DataAddress(Addresses.literal("192.0.2.60"), 24, "net9")), List.of())));
        assertThrows(ConfigException.class, () -> store.commit(s.engine(), invalid));
        assertEquals(good, store.current(s.engine()));
        assertEquals(before, files());
    }
}
