package ipmpd.agent.snmp;

import ipmpd.agent.AtomicFiles;
import ipmpd.agent.IpmpdLog;
import org.snmp4j.security.AuthHMAC128SHA224;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthHMAC256SHA384;
import org.snmp4j.security.AuthHMAC384SHA512;
import org.snmp4j.security.AuthMD5;
import org.snmp4j.security.AuthSHA;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.smi.OID;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The SNMPv3 users file (agent.conf snmp.users, default {@code snmp-users} in the configuration
 * directory), root-only (0600): one user a line,
 * <pre>
 * USER  ACCESS  AUTH  AUTH-PASSWORD  PRIV  PRIV-PASSWORD
 * </pre>
 * ACCESS is {@code ro} (reads the IPMP-MIB, IF-MIB and the system and SNMP groups), {@code rw} (also
 * writes the IPMP-MIB and the notification destinations of SNMP-TARGET-MIB / SNMP-NOTIFICATION-MIB)
 * or {@code notify} (only receives notifications). AUTH is SHA-224, SHA-256, SHA-384, SHA-512; for
 * managers without SHA-2, SHA-1 (also written SHA) and, only with agent.conf's
 * {@code snmp.allow-md5=yes}, MD5 (HMAC-MD5-96, broken: explicit opt-in). PRIV is AES (AES-128). Passwords have at least 8
 * characters; every request must use authPriv. There are no default secrets: when the file does
 * not exist the first start generates a read-only and a read-write user with random passwords.
 */
final class SnmpUsers {
    enum Access { RO, RW, NOTIFY }

    record User(String name, Access access, String auth, String authPassword, String priv, String privPassword) {
        OID authProtocol() {
            return AUTH.get(auth.toUpperCase(Locale.ROOT));
        }

        OID privProtocol() {
            return PRIV.get(priv.toUpperCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return name + " (" + access.name().toLowerCase(Locale.ROOT) + ", " + auth + "/" + priv + ")";
        }
    }

    static final Map<String, OID> AUTH = Map.of("SHA-224", AuthHMAC128SHA224.ID, "SHA-256", AuthHMAC192SHA256.ID,
            "SHA-384", AuthHMAC256SHA384.ID, "SHA-512", AuthHMAC384SHA512.ID, "SHA", AuthSHA.ID, "SHA-1", AuthSHA.ID,
            "SHA1", AuthSHA.ID, "MD5", AuthMD5.ID);
    static final Map<String, OID> PRIV = Map.of("AES", PrivAES128.ID, "AES-128", PrivAES128.ID, "AES128", PrivAES128.ID);
    static final String RO_USER = "ipmpro";
    static final String RW_USER = "ipmprw";

    private SnmpUsers() {
    }

    /** Reads the users file, or creates it with two users of random passwords when it does not exist. */
    static List<User> loadOrCreate(Path file, IpmpdLog log) throws IOException, SnmpSettings.SettingsException {
        return loadOrCreate(file, false, log);
    }

    /** As {@link #loadOrCreate(Path, IpmpdLog)}; MD5 users are accepted only when allowMd5. */
    static List<User> loadOrCreate(Path file, boolean allowMd5, IpmpdLog log) throws IOException, SnmpSettings.SettingsException {
        if (!Files.exists(file)) {
            create(file);
            log.notice("SNMP: no users file: generated read-only user " + RO_USER + " and read-write user " + RW_USER
                    + " with random passwords (SHA-256/AES) in " + file + " (mode 0600)");
        }
        return load(file, allowMd5);
    }

    static List<User> load(Path file) throws IOException, SnmpSettings.SettingsException {
        return load(file, false);
    }

    static List<User> load(Path file, boolean allowMd5) throws IOException, SnmpSettings.SettingsException {
        if (!Files.exists(file)) {
            throw new SnmpSettings.SettingsException("SNMP users file " + file + " does not exist");
        }
        try {
            ipmpd.agent.SecretFileMode.requireOwnerOnly(file);
        } catch (ipmpd.agent.SecretFileMode.ExposedException e) {
            throw new SnmpSettings.SettingsException(e.getMessage());
        }
        List<User> users = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int n = 0;
        for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] w = line.split("\\s+");
            String where = file.getFileName() + ": line " + n + ": ";
            if (w.length != 6) {
                throw new SnmpSettings.SettingsException(where + "expected USER ACCESS AUTH AUTH-PASSWORD PRIV PRIV-PASSWORD");
            }
            Access access;
            try {
                access = Access.valueOf(w[1].toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new SnmpSettings.SettingsException(where + "access must be ro, rw or notify, not " + w[1]);
            }
            if (!AUTH.containsKey(w[2].toUpperCase(Locale.ROOT))) {
                throw new SnmpSettings.SettingsException(where + "unknown authentication protocol " + w[2]
                        + " (SHA-224, SHA-256, SHA-384, SHA-512; SHA-1 and MD5 for legacy managers)");
            }
            if (AUTH.get(w[2].toUpperCase(Locale.ROOT)).equals(AuthMD5.ID) && !allowMd5) {
                throw new SnmpSettings.SettingsException(where + "user " + w[0] + ": MD5 authentication is refused unless "
                        + "agent.conf says " + SnmpSettings.ALLOW_MD5 + "=yes (HMAC-MD5 is broken; prefer SHA-256, or SHA-1)");
            }
            if (!PRIV.containsKey(w[4].toUpperCase(Locale.ROOT))) {
                throw new SnmpSettings.SettingsException(where + "unknown privacy protocol " + w[4] + " (AES)");
            }
            if (w[3].length() < 8 || w[5].length() < 8) {
                throw new SnmpSettings.SettingsException(where + "passwords need at least 8 characters");
            }
            if (w[0].length() > 32 || !names.add(w[0])) {
                throw new SnmpSettings.SettingsException(where + "user " + w[0] + " is defined twice or too long");
            }
            users.add(new User(w[0], access, w[2], w[3], w[4], w[5]));
        }
        if (users.isEmpty()) {
            throw new SnmpSettings.SettingsException(file + " defines no user");
        }
        return List.copyOf(users);
    }

    private static String secret(SecureRandom r) {
        byte[] b = new byte[18];
        r.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Writes a new users file (0600 from the first byte on). */
    static void create(Path file) throws IOException {
        SecureRandom r = new SecureRandom();
        List<String> lines = List.of(
                "# ipmpd SNMPv3 users, generated on first start. Keep this file readable by root only (0600).",
                "# USER  ACCESS(ro|rw|notify)  AUTH(SHA-224|SHA-256|SHA-384|SHA-512)  AUTH-PASSWORD  PRIV(AES)  PRIV-PASSWORD",
                RO_USER + " ro SHA-256 " + secret(r) + " AES " + secret(r),
                RW_USER + " rw SHA-256 " + secret(r) + " AES " + secret(r));
        Files.createDirectories(file.toAbsolutePath().getParent());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException(file + " appeared while it was being created", e);
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        // AtomicFiles keeps the permissions of the file it replaces (0600 here).
        AtomicFiles.write(file, lines);
    }
}
