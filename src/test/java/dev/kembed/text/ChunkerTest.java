package dev.kembed.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.testing.Paragraphs;
import dev.kembed.testing.TokenizerTestBase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Retrieval chunks: they tile the content tokens, their text is their char span, they end at text boundaries. */
class ChunkerTest extends TokenizerTestBase {
    static TokenizedText document(int paragraphs, long seed) {
        return tokenizer.tokenize(String.join("\n\n", Paragraphs.of(paragraphs, seed)));
    }

    /** Every content token in exactly one chunk, in order, none longer than the limit. */
    static void assertTiles(List<Chunk> chunks, int tokens, int maxTokens) {
        assertThat(chunks).isNotEmpty();
        int next = 0;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            assertThat(c.index()).isEqualTo(i);
            assertThat(c.tokenStart()).as("chunk %d starts where %d ended", i, i - 1).isEqualTo(next);
            assertThat(c.tokenCount()).isBetween(1, maxTokens);
            next = c.tokenEnd();
        }
        assertThat(next).as("the last chunk ends at the last content token").isEqualTo(tokens);
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 32, 128, 512})
    void chunksTileTheDocumentAndTheirTextIsTheirCharSpan(int maxTokens) {
        for (long seed = 1; seed <= 5; seed++) {
            TokenizedText doc = document(12, seed);
            List<Chunk> chunks = new Chunker(maxTokens).cut(doc);
            assertTiles(chunks, doc.size(), maxTokens);
            for (Chunk c : chunks) {
                String tokensText = doc.text().substring(doc.charStart()[c.tokenStart()], doc.charEnd()[c.tokenEnd() - 1]);
                assertThat(c.text()).isEqualTo(doc.text().substring(c.charStart(), c.charEnd()));
                assertThat(c.text()).as("the span of its tokens, less the whitespace at its edges").isEqualTo(tokensText.strip());
            }
            if (doc.size() <= maxTokens) {
                assertThat(chunks).hasSize(1);
                assertThat(chunks.get(0).text()).isEqualTo(doc.text().strip());
            }
        }
    }

    @Test
    void chunksEndBetweenWordsAndPreferParagraphBreaks() {
        TokenizedText doc = document(20, 7);
        List<Chunk> chunks = new Chunker(64).cut(doc);
        assertThat(chunks).hasSizeGreaterThan(3);
        int paragraphEnds = 0;
        for (int i = 0; i + 1 < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            String between = doc.text().substring(c.charEnd(), chunks.get(i + 1).charStart());
            assertThat(between).as("the cut after chunk %d splits no word", i).isNotEmpty().isBlank();
            // the rule: a paragraph break anywhere in the last half of the budget is where the chunk ends
            String lastHalf = doc.text().substring(doc.charStart()[c.tokenStart() + 32], doc.charStart()[c.tokenStart() + 64]);
            if (lastHalf.contains("\n\n")) {
                assertThat(between).as("chunk %d ends at the paragraph break in its last half", i).contains("\n\n");
                paragraphEnds++;
            }
        }
        assertThat(paragraphEnds).as("cuts at paragraph breaks").isPositive();
    }

    @Test
    void anEditChangesOnlyTheChunksNearIt() {
        List<String> paragraphs = Paragraphs.of(30, 11);
        List<String> edited = new ArrayList<>(paragraphs);
        edited.set(15, edited.get(15) + " One more sentence about the leader.");
        Chunker chunker = new Chunker(96);
        List<String> before = chunker.cut(tokenizer.tokenize(String.join("\n\n", paragraphs))).stream().map(Chunk::text).toList();
        List<String> after = chunker.cut(tokenizer.tokenize(String.join("\n\n", edited))).stream().map(Chunk::text).toList();
        long same = after.stream().filter(before::contains).count();
        assertThat(after.size()).isBetween(before.size() - 1, before.size() + 1);
        assertThat(same).as("chunks away from the edit come out with the same text").isGreaterThanOrEqualTo(after.size() - 2);
    }

    @Test
    void oneChunkPerWindowIsWhatThatWindowOwns() {
        TokenizedText doc = document(30, 3);
        List<TextWindow> windows = new Windower(128, 32, 0, 2, Boundaries.TEXT).cut(doc);
        assertThat(windows).hasSizeGreaterThan(2);
        List<Chunk> chunks = Chunker.ofWindows(windows, doc);
        assertThat(chunks).hasSameSizeAs(windows);
        assertTiles(chunks, doc.size(), 126);
        for (int i = 0; i < chunks.size(); i++) {
            assertThat(chunks.get(i).tokenCount()).isEqualTo(windows.get(i).ownedTokens());
            assertThat(chunks.get(i).text()).isEqualTo(doc.text().substring(chunks.get(i).charStart(), chunks.get(i).charEnd()));
        }
    }

    @Test
    void preTokenizedInputIsCutAtFixedCountsWithoutText() {
        List<Chunk> chunks = new Chunker(100).cut(250);
        assertTiles(chunks, 250, 100);
        assertThat(chunks).extracting(Chunk::tokenCount).containsExactly(100, 100, 50);
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.text()).isNull();
            assertThat(c.charStart()).isEqualTo(-1);
            assertThat(c.charEnd()).isEqualTo(-1);
        });
        List<TextWindow> windows = new Windower(64, 8, 0, 2).cut(new int[300], null, null);
        List<Chunk> perWindow = Chunker.ofWindows(windows, null);
        assertTiles(perWindow, 300, 62);
        assertThat(perWindow).allSatisfy(c -> assertThat(c.text()).isNull());
    }

    @Test
    void keysAreTheDocumentIdAndIndexAndTheSameInEveryVersion() {
        assertThat(Chunk.key("doc-7", 0)).isEqualTo("doc-7#0");
        assertThat(Chunk.key("a#b", 12)).isEqualTo("a#b#12");
        UUID id = Chunk.pointId("doc-7", 3);
        assertThat(id).isEqualTo(UUID.nameUUIDFromBytes("doc-7#3".getBytes(StandardCharsets.UTF_8)));
        assertThat(id.version()).isEqualTo(3);
        assertThat(Chunk.pointId("doc-7", 3)).isEqualTo(id);
        assertThat(Chunk.pointId("doc-7", 4)).isNotEqualTo(id);
        // key depends on nothing but id and index: two versions of a document give the same keys to the same indexes
        List<String> v1 = new Chunker(32).cut(document(6, 1)).stream().map(c -> Chunk.key("d", c.index())).toList();
        List<String> v2 = new Chunker(32).cut(document(9, 2)).stream().map(c -> Chunk.key("d", c.index())).toList();
        assertThat(v2.subList(0, v1.size())).isEqualTo(v1);
    }

    @Test
    void aChunkLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> new Chunker(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one token");
    }
}
