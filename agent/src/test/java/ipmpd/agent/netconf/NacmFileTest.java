package ipmpd.agent.netconf;

import ipmpd.agent.ConfigJournal;
import ipmpd.agent.IpmpdLog;
import ipmpd.testkit.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * netconf-acm.xml: written with the defaults when missing, refused with a clear message when it
 * does not hold a valid /nacm, reread when an administrator changes it (the recovery path), and
 * kept in force when the change is not valid.
 */
class NacmFileTest {
    private Path dir;
    private final List<String> logged = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("ipmpd-nacm-file");
    }

    @AfterEach
    void tearDown() throws IOException {
        TempDirs.deleteTree(dir);
    }

    private Nacm nacm() {
        IpmpdLog log = IpmpdLog.detached(null);
        log.addTap(logged::add);
        return new Nacm(dir, new ConfigJournal(dir), log, null, Map.of());
    }

    private void write(String body) throws IOException {
        Path f = dir.resolve(Nacm.FILE);
        FileTime before = Files.exists(f) ? Files.getLastModifiedTime(f) : null;
        Files.writeString(f, body);
        // a new modification time even on a coarse clock: a change by hand is seen by its time
        Files.setLastModifiedTime(f, FileTime.from(before == null ? Instant.now()
                : before.toInstant().plusSeconds(1)));
    }

    @Test
    void theFirstStartWritesTheDefaults() throws Exception {
        Nacm n = nacm();
        n.loadOrCreate();
        assertEquals(new String(Nacm.bytes(NacmConfig.defaults())), Files.readString(dir.resolve(Nacm.FILE)));
        assertEquals(List.of("admin", "read-only"), n.running().ruleLists().stream().map(NacmConfig.RuleList::name)
                .toList());
    }

    @Test
    void aBrokenFileIsRefusedSayingWhy() throws Exception {
        write("<nacm xmlns=\"" + NacmConfig.NS + "\"><read-default>maybe</read-default></nacm>");
        IOException e = assertThrows(IOException.class, () -> nacm().loadOrCreate());
        assertTrue(e.getMessage().contains(Nacm.FILE) && e.getMessage().contains("read-default"), e.getMessage());
        write("<nacm xmlns=\"" + NacmConfig.NS + "\"><read-default>");
        e = assertThrows(IOException.class, () -> nacm().loadOrCreate());
        assertTrue(e.getMessage().contains("not well-formed"), e.getMessage());
        write("<nacm/>");
        e = assertThrows(IOException.class, () -> nacm().loadOrCreate());
        assertTrue(e.getMessage().contains(NacmConfig.NS), e.getMessage());
    }

    @Test
    void aChangeByHandIsReadAndABadOneKeepsWhatIsInForce() throws Exception {
        Nacm n = nacm();
        n.loadOrCreate();
        write("<nacm xmlns=\"" + NacmConfig.NS + "\"><enable-nacm>false</enable-nacm></nacm>");
        assertEquals(false, n.running().enabled());
        assertTrue(logged.stream().anyMatch(l -> l.contains("changed on disk")), logged.toString());
        write("<nacm xmlns=\"" + NacmConfig.NS + "\"><enable-nacm>perhaps</enable-nacm></nacm>");
        assertEquals(false, n.running().enabled(), "the configuration in force stays");
        assertTrue(logged.stream().anyMatch(l -> l.contains("the access control in force stays")), logged.toString());
    }
}
