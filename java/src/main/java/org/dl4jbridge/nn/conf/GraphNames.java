package org.dl4jbridge.nn.conf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Close-match suggestions for unknown vertex names ("did you mean ..."). */
public final class GraphNames {
    private GraphNames() {}

    /** A message suffix listing up to three existing names closest to {@code name}, or the full list when short. */
    public static String closest(String name, List<String> existing) {
        List<String> sorted = new ArrayList<>(existing);
        sorted.sort(Comparator.comparingInt(s -> distance(name == null ? "" : name, s)));
        List<String> best = sorted.subList(0, Math.min(3, sorted.size()));
        return best.isEmpty() ? " (the graph has no vertices)" : "; closest existing names: " + best;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }
}
