package dev.kiln.gateway.auth;

/**
 * Who is calling, established from the request's API key.
 *
 * @param tenant the tenant the key acts for; the caller sees only this tenant's jobs
 * @param admin whether the key may reach {@code /admin/**}
 * @param keyName the key's label
 */
public record Caller(String tenant, boolean admin, String keyName) {

	/** The request attribute holding the caller. */
	public static final String ATTRIBUTE = Caller.class.getName();

}
