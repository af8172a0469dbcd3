package dev.kembed.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded paragraphs of Kafka-flavoured sentences: documents with text boundaries for window and chunk tests. */
public final class Paragraphs {
    private Paragraphs() {}

    static final String[] WORDS = ("kafka stream record partition offset broker consumer group window token model vector index "
            + "search document update embedding cluster replica leader follower commit transaction").split(" ");

    /** {@code n} paragraphs, the same for the same seed. */
    public static List<String> of(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(paragraph(rnd));
        }
        return out;
    }

    static String paragraph(SplittableRandom rnd) {
        StringBuilder p = new StringBuilder();
        int sentences = 2 + rnd.nextInt(3);
        for (int s = 0; s < sentences; s++) {
            int words = 5 + rnd.nextInt(8);
            for (int w = 0; w < words; w++) {
                String word = WORDS[rnd.nextInt(WORDS.length)];
                p.append(s == 0 && w == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word).append(w == words - 1 ? ". " : " ");
            }
        }
        return p.toString().strip();
    }
}
