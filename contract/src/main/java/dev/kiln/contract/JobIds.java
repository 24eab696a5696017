package dev.kiln.contract;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Time-ordered job ids: RFC 9562 UUID version 7 (48-bit Unix milliseconds, then random bits). Sorting ids as strings
 * sorts jobs by submission time, which keeps Redis indexes and S3 listings in a useful order.
 */
public final class JobIds {

	private static final Pattern UUID_V7 = Pattern
		.compile("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

	private static final SecureRandom RANDOM = new SecureRandom();

	private JobIds() {
	}

	/** A new id for the current time. */
	public static String next() {
		return next(Clock.systemUTC());
	}

	/**
	 * A new id for the clock's current time.
	 * @param clock the clock to read
	 * @return a UUIDv7 in canonical lower-case form
	 */
	public static String next(Clock clock) {
		long millis = clock.millis();
		byte[] random = new byte[10];
		RANDOM.nextBytes(random);
		long msb = (millis & 0xFFFF_FFFF_FFFFL) << 16;
		msb |= 0x7000L; // version 7
		msb |= ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL);
		long lsb = 0x8000_0000_0000_0000L; // variant 10
		lsb |= (random[2] & 0x3FL) << 56;
		for (int i = 3; i < 10; i++) {
			lsb |= (random[i] & 0xFFL) << (8 * (9 - i));
		}
		return new UUID(msb, lsb).toString();
	}

	/** Whether the value is a job id Kiln could have issued. */
	public static boolean isValid(String value) {
		return UUID_V7.matcher(value).matches();
	}

	/** The Unix milliseconds encoded in an id. */
	public static long timestampMillis(String jobId) {
		return UUID.fromString(jobId).getMostSignificantBits() >>> 16;
	}

}
