package ipmpd.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a set of files of the configuration directory as one atomic step, whatever their number
 * (hostname.IF, hostname6.IF, mpathd, ipmp.conf, snmp-destinations...). The files stay plain files
 * an administrator edits by hand; the journal exists only while a commit is under way.
 * <p>
 * The protocol (each step up to the installation flushed to disk before the next):
 * <ol>
 * <li><b>stage</b>: a fresh directory {@code .journal.new-N} receives every new file under its
 *     final name, with the mode it must have, and a {@code MANIFEST} naming the files to install and
 *     those to delete;
 * <li><b>commit point</b>: that directory is renamed to {@code .journal}. Before the rename the
 *     commit does not exist (a crash leaves the old files); after it, the commit is complete;
 * <li><b>install</b>: each staged file is renamed over its target (one atomic replace each), the
 *     files to delete are deleted;
 * <li><b>retire</b>: {@code .journal} is renamed to {@code .journal.done-N} and removed (not flushed:
 *     undone by a crash, it leaves an installed journal that {@link #recover()} installs again, to
 *     the same files).
 * </ol>
 * At start-up {@link #recover()} installs a {@code .journal} left by a crash (the install step is
 * idempotent: a file already moved is no longer in the journal) and removes staging and retired
 * directories and the temporary files of single-file writes ({@link AtomicFiles}). So after a crash
 * at any moment the directory holds exactly the files before the commit or exactly those after it.
 * <p>
 * One commit at a time ({@link #lock()}); readers of several files (SIGHUP) hold the same lock so
 * they never see half of a commit being installed.
 */
public final class ConfigJournal {
    static final String JOURNAL = ".journal";
    static final String STAGING_PREFIX = ".journal.new-";
    static final String RETIRED_PREFIX = ".journal.done-";
    static final String MANIFEST = "MANIFEST";

    /** Files that hold secrets: created 0600, and never given a broader mode by a rewrite. */
    public static final Set<String> SECRET_FILES = Set.of("snmp-users", "snmp-destinations", "netconf-users",
            "netconf-initial-password", "netconf-host-key");

    private static final Set<PosixFilePermission> DEFAULT_MODE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> SECRET_MODE = PosixFilePermissions.fromString("rw-------");

    /** The steps of a commit, for tests that simulate a crash between any two of them. */
    enum Step { STAGED_FILE, STAGED, COMMITTED, INSTALLED_FILE, INSTALLED, RETIRED_RENAMED, DONE }

    /** Called after each step; a test throws from it to stop the commit there, as a crash would. */
    interface StepHook {
        void reached(Step step) throws IOException;
    }

    private final Path dir;
    private final StepHook hook;
    private final Object lock = new Object();
    private long serial = System.nanoTime();
    /** A committed journal whose installation failed (I/O error): completed before the next commit. */
    private boolean installPending;

    public ConfigJournal(Path dir) {
        this(dir, s -> { });
    }

    ConfigJournal(Path dir, StepHook hook) {
        this.dir = dir.toAbsolutePath();
        this.hook = hook;
    }

    /** The lock every commit holds; hold it to read several files as one consistent set. */
    public Object lock() {
        return lock;
    }

    /**
     * Makes the directory hold {@code write} (file name -> content) and no longer hold the files
     * named in {@code delete}, as one atomic step: when this returns, the change is on disk; if it
     * throws or the process dies, the directory holds either the files before or the files after.
     */
    public void commit(Map<String, byte[]> write, Collection<String> delete) throws IOException {
        if (write.isEmpty() && delete.isEmpty()) {
            return;
        }
        for (String n : write.keySet()) {
            checkName(n);
        }
        for (String n : delete) {
            checkName(n);
        }
        synchronized (lock) {
            Files.createDirectories(dir);
            if (installPending) {
                install();
                installPending = false;
            }
            Path staging = dir.resolve(STAGING_PREFIX + (++serial));
            try {
                Files.createDirectory(staging);
                StringBuilder manifest = new StringBuilder();
                for (Map.Entry<String, byte[]> f : write.entrySet()) {
                    writeFlushed(staging.resolve(f.getKey()), f.getValue(), modeFor(f.getKey()));
                    manifest.append("write ").append(f.getKey()).append('\n');
                    hook.reached(Step.STAGED_FILE);
                }
                for (String n : delete) {
                    manifest.append("delete ").append(n).append('\n');
                }
                writeFlushed(staging.resolve(MANIFEST), manifest.toString().getBytes(StandardCharsets.UTF_8),
                        DEFAULT_MODE);
                AtomicFiles.fsyncDirectory(staging);
                hook.reached(Step.STAGED);
            } catch (IOException | RuntimeException e) {
                deleteTree(staging); // the commit did not happen
                throw e;
            }
            Files.move(staging, dir.resolve(JOURNAL), StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.fsyncDirectory(dir);
            hook.reached(Step.COMMITTED);
            try {
                install();
            } catch (IOException e) {
                // The commit is durable from the commit point on: the next commit (or the next
                // start) completes the installation; the caller is not told it failed.
                installPending = true;
            }
        }
    }

    /**
     * At start-up, before the configuration is read: completes a commit a crash interrupted after
     * its commit point, and removes what interrupted commits and single-file writes left behind
     * (staging directories, retired journals, {@code .NAME.*.tmp} files).
     *
     * @return whether an interrupted commit was completed
     */
    public boolean recover() throws IOException {
        synchronized (lock) {
            if (!Files.isDirectory(dir)) {
                return false;
            }
            boolean completed = false;
            Path journal = dir.resolve(JOURNAL);
            if (Files.isDirectory(journal, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isRegularFile(journal.resolve(MANIFEST))) {
                    install();
                    completed = true;
                } else {
                    deleteTree(journal); // cannot happen (MANIFEST is staged first); never half-installed
                }
            }
            for (Path p : leftovers()) {
                deleteTree(p);
            }
            return completed;
        }
    }

    /** Staging and retired journals, and temporary files of single-file writes. */
    List<Path> leftovers() throws IOException {
        List<Path> out = new ArrayList<>();
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(STAGING_PREFIX) || n.startsWith(RETIRED_PREFIX)
                        || (n.startsWith(".") && n.endsWith(".tmp") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** Steps 3 and 4 from a committed journal; safe to repeat after a crash half-way. */
    private void install() throws IOException {
        Path journal = dir.resolve(JOURNAL);
        List<String> manifest = Files.readAllLines(journal.resolve(MANIFEST), StandardCharsets.UTF_8);
        for (String line : manifest) {
            int sp = line.indexOf(' ');
            if (sp <= 0) {
                continue;
            }
            String op = line.substring(0, sp);
            String name = line.substring(sp + 1);
            checkName(name);
            if (op.equals("write")) {
                Path staged = journal.resolve(name);
                if (Files.exists(staged, LinkOption.NOFOLLOW_LINKS)) { // else installed before a crash
                    Files.move(staged, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                    hook.reached(Step.INSTALLED_FILE);
                }
            } else if (op.equals("delete")) {
                Files.deleteIfExists(dir.resolve(name));
            }
        }
        AtomicFiles.fsyncDirectory(dir);
        hook.reached(Step.INSTALLED);
        Path retired = dir.resolve(RETIRED_PREFIX + (++serial));
        // Not flushed on its own: the installed files are on disk already (above), so a crash that
        // loses this rename leaves a .journal whose installation recover() repeats to the same
        // files (nothing staged is left in it); the next flush of the directory carries it.
        Files.move(journal, retired, StandardCopyOption.ATOMIC_MOVE);
        hook.reached(Step.RETIRED_RENAMED);
        deleteTree(retired);
        hook.reached(Step.DONE);
    }

    /**
     * The mode a rewritten file gets: the mode the file has now (an administrator's chmod
     * survives), else 0600 for a secret and 0644 for the rest.
     */
    private Set<PosixFilePermission> modeFor(String name) {
        try {
            return Files.getPosixFilePermissions(dir.resolve(name));
        } catch (NoSuchFileException e) {
            return SECRET_FILES.contains(name) ? SECRET_MODE : DEFAULT_MODE;
        } catch (IOException | UnsupportedOperationException e) {
            return SECRET_FILES.contains(name) ? SECRET_MODE : DEFAULT_MODE;
        }
    }

    /** Creates a file with its mode from the first byte on (0600 secrets are never briefly readable), flushed. */
    private static void writeFlushed(Path p, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Files.createFile(p, PosixFilePermissions.asFileAttribute(SECRET_MODE));
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.setPosixFilePermissions(p, mode); // not subject to the umask
    }

    private static void checkName(String n) {
        if (n.isEmpty() || n.contains("/") || n.equals(".") || n.equals("..") || n.startsWith(".journal")
                || n.contains("\n")) {
            throw new IllegalArgumentException("not a configuration file name: " + n);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(p);
            return;
        }
        List<Path> all;
        try (var walk = Files.walk(p)) {
            all = new ArrayList<>(walk.toList());
        }
        Collections.reverse(all);
        for (Path q : all) {
            Files.deleteIfExists(q);
        }
    }

    /** UTF-8 bytes of lines, each ended by a newline (what hand-edited files look like). */
    public static byte[] bytes(List<String> lines) {
        return AtomicFiles.bytes(lines);
    }

    /** A map of file name -> lines as file name -> bytes. */
    public static Map<String, byte[]> bytesOf(Map<String, List<String>> files) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        files.forEach((k, v) -> out.put(k, bytes(v)));
        return out;
    }
}
