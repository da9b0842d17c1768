package ipmpd.tests.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** Lines on standard output and, as they come, in the results file. */
final class Report {
    private final Path file;

    Report(Path file) {
        this.file = file;
        try {
            Files.writeString(file, "", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    Path file() {
        return file;
    }

    void line(String s) {
        System.out.println(s);
        System.out.flush();
        try {
            Files.writeString(file, s + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void line(String fmt, Object... args) {
        line(String.format(Locale.ROOT, fmt, args));
    }

    /** A progress note on standard error only (not part of the results). */
    static void progress(String fmt, Object... args) {
        System.err.printf(Locale.ROOT, fmt + "%n", args);
        System.err.flush();
    }

    /** "figure  (target <= X: met)" */
    static String against(double value, double target, String unit) {
        boolean met = !Double.isNaN(value) && value <= target;
        return String.format(Locale.ROOT, "target <= %s%s: %s", trim(target), unit, met ? "met" : "NOT MET");
    }

    static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
