package dev.kembed.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/** A minutes-long accuracy study on a real-weights model (int8 against fp32): run by {@code mvn verify}, not {@code mvn test}. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("accuracy")
public @interface AccuracyTest {}
