package ipmpd.agent.snmp;

import ipmpd.agent.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * The SNMP engine's identity, kept in {@code snmp-engine} in the configuration directory: the
 * engine ID (generated once: v3 trap receivers and localized keys depend on it) and snmpEngineBoots,
 * incremented and written back (atomically) at every start.
 */
final class SnmpEngineFile {
    static final String NAME = "snmp-engine";
    /** The provisional enterprise number of IPMP-MIB (RFC 3411 engine ID, format 5: octets). */
    private static final byte[] PREFIX = {(byte) 0x80, 0x01, (byte) 0x86, (byte) 0x9f, 0x05};

    record State(byte[] engineId, int boots) {
        String hex() {
            return HexFormat.of().formatHex(engineId);
        }
    }

    private SnmpEngineFile() {
    }

    /** Reads (or creates) the file, increments the boot counter, writes it back, returns the new state. */
    static State advance(Path file) throws IOException {
        byte[] id = null;
        int boots = 0;
        try {
            for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String line = raw.strip();
                if (line.startsWith("engine-id=")) {
                    id = HexFormat.of().parseHex(line.substring("engine-id=".length()).strip());
                } else if (line.startsWith("boots=")) {
                    boots = Integer.parseInt(line.substring("boots=".length()).strip());
                }
            }
        } catch (NoSuchFileException e) {
            // first start
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        if (id == null || id.length < 5 || id.length > 32) {
            byte[] random = new byte[12];
            new SecureRandom().nextBytes(random);
            id = new byte[PREFIX.length + random.length];
            System.arraycopy(PREFIX, 0, id, 0, PREFIX.length);
            System.arraycopy(random, 0, id, PREFIX.length, random.length);
        }
        boots = boots < 0 || boots >= Integer.MAX_VALUE - 1 ? Integer.MAX_VALUE : boots + 1;
        State s = new State(id, boots);
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.write(file, List.of("# ipmpd SNMP engine: written at every start; keep the engine-id.",
                "engine-id=" + s.hex(), "boots=" + boots));
        return s;
    }
}
