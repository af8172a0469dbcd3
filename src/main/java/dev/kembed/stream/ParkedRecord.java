package dev.kembed.stream;

/** An input record held back while the schema registry cannot answer for it (the decode processor's parked store). */
record ParkedRecord(byte[] key, byte[] value, long timestamp, SourceRecord source) {}
