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
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("a schema registry needs at least one URL");
        }
        if (basicAuthUserInfo != null && bearerToken != null) {
            throw new IllegalArgumentException("schema registry: basic auth and a bearer token together; set one");
        }
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
