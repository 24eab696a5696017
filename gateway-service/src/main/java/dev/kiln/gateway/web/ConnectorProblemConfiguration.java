package dev.kiln.gateway.web;

import org.apache.catalina.Host;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Puts {@link ConnectorProblemValve} in place of every other error report valve on Tomcat's Host, so that errors
 * Tomcat answers before Spring sees the request are problem+json. Spring Boot adds a plain {@link ErrorReportValve}
 * from a context customizer of its own, and Tomcat adds one when the Host starts if none of its configured class is
 * there; so the swap is made when the Host is about to start, after every customizer has run, and the Host is told
 * that this valve is its error report valve.
 */
@Configuration(proxyBeanMethods = false)
class ConnectorProblemConfiguration {

	@Bean
	WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> connectorProblems() {
		return (factory) -> factory.addContextCustomizers((context) -> {
			Host host = (Host) context.getParent();
			if (host instanceof StandardHost standard) {
				standard.setErrorReportValveClass(ConnectorProblemValve.class.getName());
			}
			host.addLifecycleListener((event) -> {
				if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
					useProblemValve(host);
				}
			});
		});
	}

	static void useProblemValve(Host host) {
		boolean present = false;
		for (Valve valve : host.getPipeline().getValves()) {
			if (valve instanceof ConnectorProblemValve) {
				present = true;
			}
			else if (valve instanceof ErrorReportValve) {
				host.getPipeline().removeValve(valve);
			}
		}
		if (!present) {
			host.getPipeline().addValve(new ConnectorProblemValve());
		}
	}

}
