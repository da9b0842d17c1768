package ipmpd.agent;

import ipmpd.testkit.TempDirs;
import ipmpd.engine.config.ConfigFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The store's file writes off the engine thread: render order wins, ipmp.conf's offline lines follow the file. */
class ConfigStoreWriteTest {
    private final Path dir;

    ConfigStoreWriteTest() throws Exception {
        dir = Files.createTempDirectory("ipmpd-store-test");
    }

    @AfterEach
    void clean() throws Exception {
        TempDirs.deleteTree(dir);
    }

    private static Map<String, List<String>> files(String hostname, String... offline) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("hostname.tst0", List.of(hostname));
        List<String> conf = new java.util.ArrayList<>(List.of("# ipmp.conf"));
        for (String o : offline) {
            conf.add("offline " + o);
        }
        m.put(ConfigFiles.IPMP_CONF, conf);
        return m;
    }

    @Test
    void anOlderRenderNeverOverwritesANewerOne() throws Exception {
        ConfigStore store = new ConfigStore(dir);
        store.write(new ConfigStore.Applied(2, files("192.0.2.10/24 group g0 standby up"), null));
        store.write(new ConfigStore.Applied(1, files("192.0.2.10/24 group g0 up"), null));
        assertEquals("192.0.2.10/24 group g0 standby up\n",
                Files.readString(dir.resolve("hostname.tst0"), StandardCharsets.UTF_8));
        store.write(new ConfigStore.Applied(3, files("192.0.2.10/24 group g0 up"), null));
        assertEquals("192.0.2.10/24 group g0 up\n", Files.readString(dir.resolve("hostname.tst0"), StandardCharsets.UTF_8));
        // no temporary files left behind
        try (var l = Files.list(dir)) {
            assertFalse(l.anyMatch(p -> p.getFileName().toString().startsWith(".")));
        }
    }

    @Test
    void offlineLinesFollowTheFileWhateverWroteIt() throws Exception {
        ConfigStore store = new ConfigStore(dir);
        assertEquals(Set.of(), store.configuredOffline());
        store.write(new ConfigStore.Applied(1, files("192.0.2.10/24 group g0 up", "tst0"), null));
        assertEquals(Set.of("tst0"), store.configuredOffline());
        // changed by hand (a new file, as editors and the administrator's tools write it)
        Files.writeString(dir.resolve("ipmp.conf.new"), "offline tst1\noffline tst2\n", StandardCharsets.UTF_8);
        Files.move(dir.resolve("ipmp.conf.new"), dir.resolve(ConfigFiles.IPMP_CONF),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertEquals(Set.of("tst1", "tst2"), store.configuredOffline());
        Files.delete(dir.resolve(ConfigFiles.IPMP_CONF));
        assertEquals(Set.of(), store.configuredOffline());
    }
}
