package dev.kembed.engine.queue;

/**
 * Queries first, but documents keep a share {@code s} of the engine under a query flood: the
 * {@link WindowQueue}'s rule for which class gets a batch when both wait. Pure arithmetic on the
 * padded tokens of the batches taken (bucket length × windows: what the engine computes), counted
 * when a batch is taken, so several workers deciding at once see each other's batches.
 *
 * <p>Padded tokens, not measured seconds: they are known before the call, the same for every run
 * of a test, and proportional to engine time within a length bucket; across buckets a longer
 * window costs at least as much per token (attention grows with length), and document windows
 * are the longer ones, so a token share undercounts what documents get, never overcounts it.
 * {@code kembed_engine_seconds_total{class}} measures the seconds, to check the proxy.
 *
 * <p>A credit {@code c} (padded tokens documents are owed) changes only on contended turns (a
 * query waiting and a document batch ready): a query batch of {@code x} tokens adds {@code s·x}, a
 * document batch takes {@code (1−s)·x}; documents go when {@code c > 0}. Hence, with batches of at
 * most {@code B} padded tokens: over any run of contended turns documents get their share of the
 * tokens within one batch ({@code |s·(D+Q) − D| < B}); and a query waits, beyond the batches in flight, for document batches
 * of fewer than {@code B + s/(1−s)·B} tokens in all (one full document batch when {@code s ≤ 0.5}).
 * Time in which only one class waits changes nothing: an idle hour of queries banks no burst for
 * documents, and an hour of documents alone owes queries nothing.
 */
final class DocumentShare {
    private final double share;
    /** Padded tokens documents are owed (positive) or have run ahead (negative), within one batch either way. */
    private double credit;

    /** @param share documents' share of contended engine work, 0 (queries always first) to 1 (documents first) */
    DocumentShare(double share) {
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("the document share must be from 0 to 1, got " + share);
        }
        this.share = share;
    }

    double share() {
        return share;
    }

    /** With a query waiting and a document batch ready: whether the documents' batch goes first. */
    boolean documentsOwed() {
        return share > 0 && credit > 0;
    }

    /** A contended turn ran a query batch of {@code paddedTokens}. */
    void queriesRan(long paddedTokens) {
        credit += share * paddedTokens;
    }

    /** A contended turn ran a document batch of {@code paddedTokens}. */
    void documentsRan(long paddedTokens) {
        credit -= (1 - share) * paddedTokens;
    }

    /** Padded tokens documents are owed now (negative: ahead of their share). */
    double credit() {
        return credit;
    }
}
