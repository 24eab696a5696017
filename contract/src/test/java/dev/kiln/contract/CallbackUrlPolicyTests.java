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

	@ParameterizedTest
	@ValueSource(strings = { "0177.0.0.1", "0x7f.0.0.1", "0x7F000001", "2130706433", "127.1", "127.0.1", "017700000001",
			"127.000.000.001", "0300.0250.0.1", "93.184.215.014", "93.184.215.14.", "0", "1.2.3.4.5", "256.1.1.1",
			"example.0x7f", "hooks.example.123" })
	void refusesIpv4AddressesInNonStandardForms(String host) {
		CallbackUrlPolicy.Resolver never = (name) -> {
			throw new AssertionError("resolved " + name + " although its form is refused");
		};
		assertThat(this.strict.refusal("https://" + host + "/hook", never))
			.startsWith("has a host written as an IPv4 address in a non-standard form");
		assertThat(new CallbackUrlPolicy(true, true, true).refusal("http://" + host + ":8080/hook", never))
			.as("also where private networks are allowed")
			.startsWith("has a host written as an IPv4 address in a non-standard form");
	}

	@ParameterizedTest
	@ValueSource(strings = { "93.184.215.14", "8.8.8.8", "1.0.0.1", "hooks.example.com", "0x7f.example.com",
			"123.example.com", "a1.b2", "xn--bcher-kva.example" })
	void acceptsStandardIpv4AndHostNames(String host) {
		assertThat(this.strict.refusal("https://" + host + "/hook", resolvesTo("93.184.216.34"))).isNull();
	}

	@Test
	void aCheckResolvesOnceAndKeepsTheAddressesItChecked() throws UnknownHostException {
		java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
		CallbackUrlPolicy.Check check = this.strict.check("https://[2606:2800:220:1::1]/hook", (host) -> {
			lookups.incrementAndGet();
			assertThat(host).isEqualTo("2606:2800:220:1::1");
			return List.of(InetAddress.getByName(host));
		});
		assertThat(check.passed()).isTrue();
		assertThat(check.host()).isEqualTo("2606:2800:220:1::1");
		assertThat(check.addresses()).containsExactly(InetAddress.getByName("2606:2800:220:1::1"));
		assertThat(lookups).hasValue(1);
		CallbackUrlPolicy.Check refused = this.strict.check("https://mixed.example.com/",
				(host) -> List.of(InetAddress.getByName("93.184.216.34"), InetAddress.getByName("10.0.0.1")));
		assertThat(refused.passed()).isFalse();
		assertThat(refused.addresses()).isEmpty();
	}

	private static CallbackUrlPolicy.Resolver resolvesTo(String address) {
		return (host) -> List.of(InetAddress.getByName(address));
	}

}
