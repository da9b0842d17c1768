package ipmpd.tests.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Order statistics of a sample; percentiles by nearest rank (p99 of 50 values is the largest). */
final class Stats {
    private final List<Double> values = new ArrayList<>();

    void add(double v) {
        values.add(v);
    }

    int count() {
        return values.size();
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    /** Nearest-rank percentile, p in (0, 100]. */
    double percentile(double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
    }

    double median() {
        return percentile(50);
    }

    double max() {
        return values.isEmpty() ? Double.NaN : Collections.max(values);
    }

    double min() {
        return values.isEmpty() ? Double.NaN : Collections.min(values);
    }

    double mean() {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** "p50 1.23  p90 2.00  p99 4.56  (min 0.50, max 4.56, n 50)" with {@code fmt} for each value. */
    String summary(String fmt) {
        return String.format(Locale.ROOT, "p50 " + fmt + "  p90 " + fmt + "  p99 " + fmt + "  (min " + fmt + ", max " + fmt
                + ", n %d)", median(), percentile(90), percentile(99), min(), max(), count());
    }

    /** How many values exceed {@code limit}. */
    long above(double limit) {
        return values.stream().filter(v -> v > limit).count();
    }
}
