package dev.kiln.contract;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CallbackUrlPolicyTests {

	private final CallbackUrlPolicy strict = CallbackUrlPolicy.strict();

	@Test
	void acceptsHttpsToAPublicAddress() {
		assertThat(this.strict.refusal("https://hooks.example.com/kiln", resolvesTo("93.184.216.34"))).isNull();
		assertThat(this.strict.refusal("https://hooks.example.com:443/kiln", resolvesTo("2606:2800:220:1::1"))).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
			"100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fd00:ec2::254", "fc00::1", "ff02::1",
			"::ffff:127.0.0.1", "::", "2001:db8::1" })
	void refusesHostsThatResolveToNonPublicAddresses(String address) {
		assertThat(this.strict.refusal("https://sneaky.example.com/hook", resolvesTo(address)))
			.startsWith("resolves to a non-public address");
	}

	@Test
	void refusesWhenAnyOfSeveralAddressesIsPrivate() {
		CallbackUrlPolicy.Resolver resolver = (host) -> List.of(InetAddress.getByName("93.184.216.34"),
				InetAddress.getByName("10.0.0.1"));
		assertThat(this.strict.refusal("https://mixed.example.com/", resolver)).contains("10.0.0.1");
	}

	@Test
	void refusesLiteralPrivateAddressesWithoutDns() {
		assertThat(this.strict.refusal("https://[::1]/hook")).startsWith("resolves to a non-public address");
		assertThat(this.strict.refusal("https://127.0.0.1/hook")).startsWith("resolves to a non-public address");
	}

	@Test
	void refusesPlainHttpCredentialsAndOtherPorts() {
		CallbackUrlPolicy.Resolver publicHost = resolvesTo("93.184.216.34");
		assertThat(this.strict.refusal("http://hooks.example.com/", publicHost)).isEqualTo("must use https");
		assertThat(this.strict.refusal("https://user:pw@hooks.example.com/", publicHost))
			.isEqualTo("must not contain a user name or password");
		assertThat(this.strict.refusal("https://hooks.example.com:8443/", publicHost))
			.isEqualTo("must use the default port 443");
		assertThat(this.strict.refusal("ftp://hooks.example.com/", publicHost)).isEqualTo("must use https");
		assertThat(this.strict.refusal("not a url", publicHost)).isEqualTo("is not a valid URL");
		assertThat(this.strict.refusal("https://nowhere.invalid/", (host) -> {
			throw new UnknownHostException(host);
		})).isEqualTo("has a host that does not resolve");
	}

	@Test
	void localRunsMayAllowHttpPortsAndPrivateNetworks() {
		CallbackUrlPolicy local = new CallbackUrlPolicy(true, true, true);
		assertThat(local.refusal("http://localhost:9999/hook", resolvesTo("127.0.0.1"))).isNull();
		assertThat(local.refusal("http://user@localhost:9999/hook", resolvesTo("127.0.0.1")))
			.isEqualTo("must not contain a user name or password");
	}

	private static CallbackUrlPolicy.Resolver resolvesTo(String address) {
		return (host) -> List.of(InetAddress.getByName(address));
	}

}
