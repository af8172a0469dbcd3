package dev.kembed.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test that starts a broker, a schema registry, a child JVM or the demo: run by {@code mvn verify}
 * (Failsafe), never by {@code mvn test}. {@code TestTiersTest} keeps every such class marked. On one
 * method of a fast class: a test that needs real threads and sleeps.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("integration")
public @interface IntegrationTest {}
