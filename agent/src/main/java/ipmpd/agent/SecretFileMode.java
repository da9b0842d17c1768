package ipmpd.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The mode a secrets file must have (snmp-users, netconf-users): readable and writable by its
 * owner only, 0600. A face whose secrets file has any group or other bit stays off (issue: secrets
 * readable by other users of the host); the daemon and failover go on.
 */
public final class SecretFileMode {
    /** The mode a secrets file must have. */
    public static final String EXPECTED = "0600";

    private SecretFileMode() {
    }

    /** A secrets file whose mode lets others than its owner read or write it. */
    public static final class ExposedException extends IOException {
        public ExposedException(String message) {
            super(message);
        }
    }

    /**
     * Throws when the file's mode gives any permission to its group or to others. A file system
     * without POSIX modes is not checked; a missing file is not this method's concern.
     *
     * @throws ExposedException naming the file, its mode and the expected mode
     */
    public static void requireOwnerOnly(Path file) throws ExposedException {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException | NoSuchFileException e) {
            return;
        } catch (IOException e) {
            return; // unreadable attributes: reading the file itself reports the problem
        }
        for (PosixFilePermission p : perms) {
            if (p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_")) {
                throw new ExposedException(file + " has mode " + octal(perms) + " but holds secrets: it must have mode "
                        + EXPECTED + ", readable by its owner only (chmod 600 " + file + ")");
            }
        }
    }

    /** The permission bits as an octal mode, e.g. 0644. */
    static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal()); // OWNER_READ (ordinal 0) is 0400 ... OTHERS_EXECUTE (8) is 0001
        }
        return String.format("0%03o", mode);
    }
}
