package dev.kiln.contract;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every key {@link RedisKeys} builds hashes to one Redis Cluster slot, so that Kiln's multi-key Lua scripts run on a
 * cluster-mode store (MemoryDB) without {@code CROSSSLOT}. The slot function is Lettuce's {@link SlotHash}, the one
 * its cluster client routes commands with (CRC16/XMODEM of the hash tag, modulo 16384, per the Redis Cluster
 * specification).
 */
class RedisKeysSlotTests {

	// CRC16/XMODEM("kiln") = 0x8118 = 33048; 33048 mod 16384 = 280 (computed independently of Lettuce, with the
	// specification's CRC16 whose check value for "123456789" is 0x31C3).
	private static final int KILN_SLOT = 280;

	@Test
	void everyKeyOfEveryMethodHashesToTheKilnSlot() throws Exception {
		List<String> keys = allKeys();
		assertThat(keys).hasSizeGreaterThan(20);
		assertThat(keys).allSatisfy((key) -> {
			assertThat(key).startsWith(RedisKeys.HASH_TAG + ":");
			assertThat(SlotHash.getSlot(key)).as(key).isEqualTo(KILN_SLOT);
		});
	}

	@Test
	void withoutTheTagTheSameKeysWouldSpreadOverSlots() throws Exception {
		// What Kiln's keys were before the tag: the create script's keys alone land in several slots (CROSSSLOT).
		long slots = allKeys().stream()
			.map((key) -> key.replace(RedisKeys.HASH_TAG + ":", "kiln:"))
			.mapToInt(SlotHash::getSlot)
			.distinct()
			.count();
		assertThat(slots).isGreaterThan(10);
	}

	@Test
	void idsWithBracesDoNotMoveAKey() {
		// Only the first {...} is the hash tag, and every key starts with it.
		assertThat(SlotHash.getSlot(RedisKeys.job("{other}"))).isEqualTo(KILN_SLOT);
		assertThat(SlotHash.getSlot(RedisKeys.idempotency("t", "}{x}"))).isEqualTo(KILN_SLOT);
	}

	/** Every public static String method of RedisKeys, called with sample ids and every lane. */
	private static List<String> allKeys() throws IllegalAccessException, InvocationTargetException {
		List<String> keys = new ArrayList<>();
		for (Method method : RedisKeys.class.getDeclaredMethods()) {
			if (!Modifier.isPublic(method.getModifiers()) || !Modifier.isStatic(method.getModifiers())
					|| method.getReturnType() != String.class) {
				continue;
			}
			for (Object[] args : samples(method.getParameterTypes())) {
				keys.add((String) method.invoke(null, args));
			}
		}
		return keys;
	}

	private static List<Object[]> samples(Class<?>[] types) {
		if (Arrays.asList(types).contains(Lane.class)) {
			assertThat(types).containsExactly(Lane.class);
			return Arrays.stream(Lane.values()).map((lane) -> new Object[] { lane }).toList();
		}
		List<Object[]> samples = new ArrayList<>();
		for (String id : List.of("j-0001", "acme", "0123456789abcdef", "tenant-with:colon")) {
			Object[] args = new Object[types.length];
			for (int i = 0; i < types.length; i++) {
				assertThat(types[i]).isEqualTo(String.class);
				args[i] = id + i;
			}
			samples.add(args);
		}
		return samples;
	}

}
