package dev.kembed.stream;

/**
 * What a document version in flight was admitted from: its text, or its pre-tokenized content ids
 * (exactly one is set). Kept in its own store, written once at admission, so that a restart with
 * other settings can plan the version again from the start instead of finishing a sum the old
 * settings began; the document state, rewritten after every window, does not carry it.
 */
record DocumentInput(String text, int[] inputIds) {
    static DocumentInput of(DocumentEvent event) {
        return new DocumentInput(event.text(), event.text() != null ? null : event.inputIds());
    }

    /** At most what the stored value takes (marker, fingerprint, unions, lengths: 32; UTF-8 text or ids as Avro varints), without encoding it. */
    long maxBytes() {
        if (text != null) {
            return RecordLimits.utf8Length(text) + 32;
        }
        long n = 32;
        for (int id : inputIds) {
            int zigzag = (id << 1) ^ (id >> 31);
            n += zigzag >>> 7 == 0 ? 1 : zigzag >>> 14 == 0 ? 2 : zigzag >>> 21 == 0 ? 3 : zigzag >>> 28 == 0 ? 4 : 5;
        }
        return n;
    }
}
