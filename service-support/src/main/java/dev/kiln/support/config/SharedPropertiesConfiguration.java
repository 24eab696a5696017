package dev.kiln.support.config;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** Binds and validates {@link SharedProperties} in every service that has this jar on its class path. */
@AutoConfiguration
@EnableConfigurationProperties(SharedProperties.class)
public class SharedPropertiesConfiguration {

}
