package dev.kembed.text;

import dev.kembed.engine.TokenIds;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place a document becomes engine windows: tokenize once, cut into windows of at most
 * {@code maxTokens} (specials included) sharing {@code overlap} tokens, and mark global attention
 * and pooled tokens. Its settings are checked against the engine's declared capabilities once, at
 * construction, with messages naming the setting to change; after that every window it makes is
 * one the engine can run. {@code kembed run}, {@code embed}, {@code tokenize}, {@code bench} and
 * the topology all use it.
 */
public final class WindowPlan {
    /** How the settings are called where the user typed them, so a message names the right thing. */
    public record SettingNames(String pooling, String globalAttention, String maxTokens, String overlap) {
        public static final SettingNames CONFIG = new SettingNames("kembed.pooling", "kembed.global.attention",
                "kembed.window.max.tokens", "kembed.window.overlap");
        public static final SettingNames CLI = new SettingNames("--pooling", "--global-attention", "--max-tokens", "--overlap");
    }

    /**
     * A document cut into windows: its content tokens and the windows over them.
     *
     * @param doc the tokenized text (what chunks are cut from), or null for pre-tokenized input
     */
    public record Planned(int tokens, List<TextWindow> windows, TokenizedText doc) {}

    private final EmbeddingSettings settings;
    private final EngineInfo engine;
    private final DocumentTokenizer tokenizer;
    private final Windower windower;

    private final int[] promptIds;

    private WindowPlan(EmbeddingSettings settings, EngineInfo engine, DocumentTokenizer tokenizer, Windower windower) {
        this.settings = settings;
        this.engine = engine;
        this.tokenizer = tokenizer;
        this.windower = windower;
        // pre-tokenized input has no text to tokenize the prompt with: its ids, once per plan
        this.promptIds = settings.prompt().isBlank() ? new int[0] : tokenizer.tokenize(settings.prompt().stripTrailing()).ids();
    }

    /**
     * @throws IllegalArgumentException listing every setting the engine cannot honour, by name,
     *                                  with the values that would work
     */
    public static WindowPlan create(EmbeddingSettings settings, EngineInfo engine, DocumentTokenizer tokenizer, SettingNames names) {
        List<String> errors = check(settings, engine, names);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid configuration:\n  " + String.join("\n  ", errors));
        }
        int max = windowTokens(settings, engine);
        return new WindowPlan(settings, engine, tokenizer, new Windower(max, settings.overlap(), engine.bosTokenId(), engine.eosTokenId(), settings.boundaries()));
    }

    /** Every way {@code s} does not fit {@code engine}, one message each naming the setting (empty when it fits). */
    public static List<String> check(EmbeddingSettings s, EngineInfo engine, SettingNames names) {
        List<String> errors = new ArrayList<>();
        if (s.maxTokens() < 0 || s.maxTokens() > engine.maxTokens()) {
            errors.add(names.maxTokens() + "=" + s.maxTokens() + " is outside what the model takes; allowed: 3 to " + engine.maxTokens()
                    + " (0 = " + engine.maxTokens() + ")");
        } else if (s.maxTokens() > 0 && s.maxTokens() < 3) {
            errors.add(names.maxTokens() + "=" + s.maxTokens() + " leaves no room for a token between <s> and </s>; allowed: 3 to "
                    + engine.maxTokens() + " (0 = " + engine.maxTokens() + ")");
        }
        int window = windowTokens(s, engine);
        if (s.overlap() < 0 || (window >= 3 && s.overlap() > window - 3)) {
            errors.add(names.overlap() + "=" + s.overlap() + " must leave every window a new token; allowed: 0 to " + Math.max(0, window - 3));
        }
        if (s.globalCls() && !engine.globalAttention() && !autoWithoutGlobal(s, engine)) {
            String model = engine.family().name().toLowerCase(java.util.Locale.ROOT) + "-family model " + engine.modelName();
            errors.add(names.pooling() + "=" + s.pooling().label() + " with " + names.globalAttention() + "="
                    + s.globalAttention().name().toLowerCase(java.util.Locale.ROOT) + " needs global attention on <s>, which the " + model
                    + " on " + engine.engine() + " does not have; use " + names.globalAttention() + "=none (CLS state without global"
                    + " attention) or " + names.pooling() + "=mean");
        }
        return errors;
    }

    /** {@code auto} on a model whose full-attention layers let {@code <s>} see everything: no global tokens needed. */
    private static boolean autoWithoutGlobal(EmbeddingSettings s, EngineInfo engine) {
        return s.globalAttention() == GlobalAttention.AUTO && engine.family().clsSeesEverything();
    }

    /** The window length {@code s} asks for on {@code engine} (0 = the model's limit). */
    public static int windowTokens(EmbeddingSettings s, EngineInfo engine) {
        return s.maxTokens() > 0 ? s.maxTokens() : engine.maxTokens();
    }

    /** The same plan with another prompt (a query's {@code prompt_name}): same tokenizer, windows and pooling. */
    public WindowPlan withPrompt(String prompt) {
        return new WindowPlan(settings.withPrompt(prompt, settings.meanScope()), engine, tokenizer, windower);
    }

    /** Tokenizes and cuts a text; bad text (empty, blank, no tokens) throws a {@link BadInputException}. */
    public Planned cut(String text) {
        TokenizedText doc = tokenize(text);
        return new Planned(doc.size(), cut(doc), doc);
    }

    /**
     * Tokenizes a text without cutting it into windows (what {@code kembed tokenize} shows). With a
     * prompt, prompt and text are tokenized together, as sentence-transformers does (a tokenizer may
     * join the prompt's trailing space to the text's first word); the tokens that start inside the
     * prompt are its ids, the rest are the content, with spans into the text itself.
     */
    public TokenizedText tokenize(String text) {
        String prompt = settings.prompt();
        if (prompt.isEmpty()) {
            return tokenizer.tokenize(text);
        }
        DocumentText.check(text);
        TokenizedText joint = tokenizer.tokenize(prompt + text);
        int promptEnd = prompt.stripTrailing().length();
        int k = 0;
        while (k < joint.size() && joint.charStart()[k] < promptEnd) {
            k++;
        }
        if (k == joint.size()) {
            throw new BadInputException("no-tokens", "the tokenizer produced no tokens for this text after the prompt");
        }
        int n = joint.size() - k;
        int[] start = new int[n];
        int[] end = new int[n];
        for (int i = 0; i < n; i++) {
            start[i] = Math.max(0, joint.charStart()[k + i] - prompt.length());
            end[i] = Math.max(start[i], joint.charEnd()[k + i] - prompt.length());
        }
        return new TokenizedText(text, java.util.Arrays.copyOfRange(joint.ids(), k, joint.size()),
                java.util.Arrays.copyOfRange(joint.tokens(), k, joint.size()), start, end, java.util.Arrays.copyOf(joint.ids(), k));
    }

    public List<TextWindow> cut(TokenizedText doc) {
        return windower.cut(doc, doc.prompt());
    }

    /** The rule for pre-tokenized input: not empty, every id in the model's vocabulary. */
    public static void checkContentIds(int[] contentIds, int vocabSize) {
        if (contentIds.length == 0) {
            throw new BadInputException("empty-input-ids", "input_ids is empty");
        }
        int bad = TokenIds.firstOutside(contentIds, vocabSize);
        if (bad >= 0) {
            throw new BadInputException(TokenIds.INVALID, TokenIds.outsideMessage("input_ids", contentIds, bad, vocabSize));
        }
    }

    /** Cuts pre-tokenized content ids (no specials); windows have no character spans; a prompt is tokenized on its own. */
    public Planned cut(int[] contentIds) {
        checkContentIds(contentIds, engine.vocabSize());
        return new Planned(contentIds.length, windower.cut(contentIds, promptIds), null);
    }

    /**
     * The document cut to its first window, as sentence-transformers cuts a text at
     * {@code max_seq_length} and TEI's {@code truncate} at its limit: the prompt kept, the text cut,
     * exactly one window. A document of one window is returned as it is.
     */
    public Planned truncated(Planned p) {
        if (p.windows().size() <= 1) {
            return p;
        }
        return truncated(p, p.windows().get(0).tokenEnd()); // the first window starts at content token 0
    }

    /**
     * The document cut to its first {@code contentTokens} content tokens (the prompt kept) and
     * windowed again: text-embeddings-inference's {@code truncate} at a query's token limit. A
     * document no longer than that is returned as it is.
     */
    public Planned truncated(Planned p, int contentTokens) {
        return p.tokens() <= contentTokens ? p : kept(p, 0, contentTokens);
    }

    /**
     * The document cut to its last window's worth of content, TEI's {@code truncation_direction:
     * Left}: the prompt kept, the text's start cut, exactly one window.
     */
    public Planned truncatedLeft(Planned p) {
        if (p.windows().size() <= 1) {
            return p;
        }
        return truncatedLeft(p, p.windows().get(0).tokenEnd()); // the most content one window holds
    }

    /** The document cut to its last {@code contentTokens} content tokens (the prompt kept) and windowed again. */
    public Planned truncatedLeft(Planned p, int contentTokens) {
        return p.tokens() <= contentTokens ? p : kept(p, p.tokens() - contentTokens, p.tokens());
    }

    /** The document's content tokens {@code [from, to)} with its prompt, windowed again. */
    private Planned kept(Planned p, int from, int to) {
        TokenizedText d = p.doc();
        if (d == null) { // pre-tokenized: the content ids, laid back together from the windows (overlaps agree)
            int[] content = new int[p.tokens()];
            for (TextWindow w : p.windows()) {
                System.arraycopy(w.ids(), w.contentOffset(), content, w.tokenStart(), w.tokenEnd() - w.tokenStart());
            }
            return cut(java.util.Arrays.copyOfRange(content, from, to));
        }
        TokenizedText part = new TokenizedText(d.text(), java.util.Arrays.copyOfRange(d.ids(), from, to),
                java.util.Arrays.copyOfRange(d.tokens(), from, to), java.util.Arrays.copyOfRange(d.charStart(), from, to),
                java.util.Arrays.copyOfRange(d.charEnd(), from, to), d.prompt());
        return new Planned(to - from, cut(part), part);
    }

    public EngineWindow engineWindow(TextWindow w) {
        return engineWindow(w.ids(), enginePoolMask(w), globalCls());
    }

    /**
     * The tokens the engine pools for mean pooling: the content tokens the window owns, plus, when
     * the model follows sentence-transformers ({@link MeanScope}), its specials and prompt.
     */
    public int[] enginePoolMask(TextWindow w) {
        if (settings.pooling() == Pooling.LAST) { // the window's last token alone: the engine's pooled sum is its state
            int[] m = new int[w.length()];
            m[m.length - 1] = 1;
            return m;
        }
        if (settings.meanScope() == MeanScope.CONTENT || settings.pooling() != Pooling.MEAN) {
            return w.poolMask();
        }
        int[] m = w.poolMask().clone();
        m[m.length - 1] = 1; // </s>
        if (settings.meanScope() == MeanScope.ALL_TOKENS) {
            for (int p = 0; p < w.contentOffset(); p++) { // <s> and the prompt
                m[p] = 1;
            }
        }
        return m;
    }

    /**
     * The identity of the vectors this plan makes, as output records carry it: the engine's model
     * fingerprint (with precision), qualified by a prompt and by sentence-transformers' mean, so
     * {@code search_document:} and {@code search_query:} vectors are never taken for each other.
     */
    public String fingerprint() {
        String f = engine.modelFingerprint();
        if (!settings.prompt().isEmpty()) {
            try {
                byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(settings.prompt().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                f += "-p" + java.util.HexFormat.of().formatHex(h, 0, 4);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return settings.meanScope() == MeanScope.CONTENT || settings.pooling() != Pooling.MEAN ? f
                : f + "-" + settings.meanScope().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** A stored window back to what the engine takes; {@code globalCls} as it was planned. */
    public static EngineWindow engineWindow(int[] ids, int[] poolMask, boolean globalCls) {
        return new EngineWindow(ids, TextWindow.clsGlobalMask(ids.length, globalCls), poolMask);
    }

    /** Whether windows mark {@code <s>} global: as the settings say, unless {@code auto} on a model that needs none. */
    public boolean globalCls() {
        return settings.globalCls() && !autoWithoutGlobal(settings, engine);
    }

    public EmbeddingSettings settings() {
        return settings;
    }

    /** The model's tokenizer (a query API's {@code /tokenize} and {@code /decode}). */
    public DocumentTokenizer tokenizer() {
        return tokenizer;
    }

    public EngineInfo engine() {
        return engine;
    }

    public int maxTokens() {
        return windower.maxTokens();
    }

    /** The special tokens every window carries ({@code <s>} and {@code </s>}, or only the closing one for decoders). */
    public int specialTokens() {
        return windower.specialTokens();
    }

    public int overlap() {
        return windower.overlap();
    }

    public DocumentPooler newPooler() {
        return new DocumentPooler(settings.pooling(), engine.dimension());
    }

    public DocumentPooler resumePooler(double[] acc, double weight) {
        return new DocumentPooler(settings.pooling(), acc, weight);
    }
}
