package ipmpd.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Crash-safe replacement of a configuration file (what SNMP and NETCONF changes are written back
 * with): the new content goes to a temporary file in the same directory, is flushed to disk,
 * renamed over the old file, and the directory is flushed so the rename itself survives a crash.
 * A crash at any point leaves either the old or the new content, never a mix; at worst a stale
 * ".NAME.*.tmp" file is left behind (never read as configuration: it does not match the names
 * {@link ConfigDirectory} reads).
 */
public final class AtomicFiles {
    /** A point between the steps of {@link #write}, for tests that simulate a crash. */
    interface Hook {
        void beforeRename(Path temp) throws IOException;
    }

    private static final Set<PosixFilePermission> DEFAULT_PERMS = PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFiles() {
    }

    /** Replaces {@code path} with {@code lines} (each ended by a newline, UTF-8). */
    public static void write(Path path, List<String> lines) throws IOException {
        write(path, lines, t -> { });
    }

    static void write(Path path, List<String> lines, Hook hook) throws IOException {
        Path target = path.toAbsolutePath();
        Path temp = prepare(target, lines);
        boolean done = false;
        try {
            hook.beforeRename(temp);
            rename(temp, target);
            done = true;
            fsyncDirectory(target.getParent());
        } finally {
            if (!done) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * Replaces several files of one directory and deletes others, with one flush of the directory:
     * every new content is written and flushed to its temporary file first, then the renames and
     * deletions happen, then the directory is flushed. Each file is replaced atomically (old or new
     * content, never a mix); a crash between two renames leaves some files replaced and others not.
     */
    public static void writeAll(Path dir, Map<Path, List<String>> files, List<Path> delete) throws IOException {
        if (files.isEmpty() && delete.isEmpty()) {
            return;
        }
        Map<Path, Path> temps = new LinkedHashMap<>();
        try {
            for (Map.Entry<Path, List<String>> f : files.entrySet()) {
                Path target = f.getKey().toAbsolutePath();
                temps.put(target, prepare(target, f.getValue()));
            }
            for (Iterator<Map.Entry<Path, Path>> it = temps.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Path, Path> t = it.next();
                rename(t.getValue(), t.getKey());
                it.remove();
            }
            for (Path p : delete) {
                Files.deleteIfExists(p);
            }
            fsyncDirectory(dir.toAbsolutePath());
        } finally {
            for (Path temp : temps.values()) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Whether {@code path} exists and already holds exactly {@code lines} (as {@link #write} writes them). */
    public static boolean holds(Path path, List<String> lines) throws IOException {
        byte[] want = bytes(lines);
        try {
            if (Files.size(path) != want.length) {
                return false;
            }
            return Arrays.equals(Files.readAllBytes(path), want);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** The bytes {@link #write} writes for these lines. */
    static byte[] bytes(List<String> lines) {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append(l).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the content to a flushed temporary file beside {@code target}, with target's permissions. */
    private static Path prepare(Path target, List<String> lines) throws IOException {
        Path dir = target.getParent();
        byte[] bytes = bytes(lines);
        Set<PosixFilePermission> perms = DEFAULT_PERMS;
        if (Files.exists(target)) {
            try {
                perms = Files.getPosixFilePermissions(target);
            } catch (UnsupportedOperationException | IOException e) {
                perms = DEFAULT_PERMS;
            }
        }
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.setPosixFilePermissions(temp, perms);
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep what createTempFile gave
            }
            done = true;
            return temp;
        } finally {
            if (!done) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static void rename(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot replace " + target + " atomically", e);
        }
    }

    /** Flushes a directory's entries (the rename) to disk. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse fsync on directories (EINVAL); the rename is still atomic.
            if (!"Invalid argument".equals(e.getMessage())) {
                throw e;
            }
        }
    }
}
