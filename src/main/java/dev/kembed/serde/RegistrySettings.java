package dev.kembed.serde;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How to reach the schema registry, typed; the app's config layer validates it.
 *
 * @param urls               tried in order, failing over on connection errors, timeouts and 5xx answers
 * @param basicAuthUserInfo  {@code user:password} for HTTP basic auth (Confluent's {@code basic.auth.user.info}), or null
 * @param bearerToken        a bearer token (Confluent's {@code bearer.auth.token}), or null
 * @param trustStore         a trust store for https (else the JVM's), or null
 * @param trustStorePassword its password, or null
 * @param trustStoreType     PKCS12 or JKS
 */
public record RegistrySettings(List<String> urls, String basicAuthUserInfo, String bearerToken, Path trustStore, String trustStorePassword,
        String trustStoreType, Duration connectTimeout, Duration requestTimeout, SubjectNameStrategy subjectStrategy) {
    public RegistrySettings {
        urls = List.copyOf(urls);
        String problem = urlProblem("kembed.schema.registry.url", urls); // the setting users know it by
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (basicAuthUserInfo != null && bearerToken != null) {
            throw new IllegalArgumentException("schema registry: basic auth and a bearer token together; set one");
        }
    }

    /**
     * The URL rule, in one place: at least one, each {@code http://} or {@code https://}, or a
     * single {@code mock://scope} (an in-JVM registry). Null when they hold; else what is wrong,
     * naming {@code key}.
     */
    public static String urlProblem(String key, List<String> urls) {
        if (urls.isEmpty()) {
            return key + " is empty; allowed: http(s) URL(s) or mock://scope";
        }
        for (String url : urls) {
            boolean mock = url.startsWith("mock://");
            if (!mock && !url.startsWith("http://") && !url.startsWith("https://")) {
                return key + ": '" + url + "' must start with http://, https:// or mock://";
            }
            if (mock && urls.size() > 1) {
                return key + ": mock:// is an in-JVM registry and cannot be listed with others; got " + urls;
            }
        }
        return null;
    }

    /** One URL, no credentials, default timeouts and the topic strategy (tests, the embedded demo). */
    public static RegistrySettings of(String url) {
        return new RegistrySettings(List.of(url), null, null, null, null, "PKCS12", Duration.ofSeconds(10), Duration.ofSeconds(30),
                SubjectNameStrategy.TOPIC);
    }

    /** Secrets stay out of logs and exceptions. */
    @Override
    public String toString() {
        return "RegistrySettings[urls=" + urls + ", auth=" + (basicAuthUserInfo != null ? "basic" : bearerToken != null ? "bearer" : "none")
                + ", trustStore=" + trustStore + ", subjectStrategy=" + subjectStrategy.label() + "]";
    }
}
