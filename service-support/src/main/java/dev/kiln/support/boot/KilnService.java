package dev.kiln.support.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Marks a Kiln service's application class: a {@link SpringBootApplication} whose package (and those below it) is
 * scanned for components and for its own typed {@code @ConfigurationProperties} records. What all services share
 * ({@code SharedProperties}, the clock, the queue URLs) comes from this module's auto-configuration.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootApplication
@ConfigurationPropertiesScan
public @interface KilnService {

}
