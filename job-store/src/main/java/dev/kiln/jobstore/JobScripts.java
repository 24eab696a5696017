package dev.kiln.jobstore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * Every Lua script that writes job keys, each loaded once from its named resource beside this class. The scripts that
 * change a job's state get {@code transition-rules.lua} in front of them, so the state machine's rules are written
 * once.
 */
final class JobScripts {

	static final String RULES = "transition-rules.lua";

	@SuppressWarnings("rawtypes")
	static final RedisScript<List> CREATE = script("create.lua", List.class);

	static final RedisScript<String> APPLY_EVENT = transition("apply-event.lua");

	static final RedisScript<String> CANCEL = transition("cancel.lua");

	static final RedisScript<String> REDRIVE = transition("redrive.lua");

	static final RedisScript<String> WITHDRAW = transition("withdraw.lua");

	static final RedisScript<Long> FORGET_RUNNING = script("forget-running.lua", Long.class);

	@SuppressWarnings("rawtypes")
	static final RedisScript<List> OUTBOX_CLAIM = script("outbox-claim.lua", List.class);

	static final RedisScript<Long> WEBHOOK_CLAIM = script("webhook-claim.lua", Long.class);

	static final RedisScript<Long> WEBHOOK_END = script("webhook-end.lua", Long.class);

	static final RedisScript<Long> SETTLE_COST = script("settle-cost.lua", Long.class);

	@SuppressWarnings("rawtypes")
	static final RedisScript<List> LEASE_CLAIM = script("lease-claim.lua", List.class);

	static final RedisScript<Long> LEASE_RENEW = script("lease-renew.lua", Long.class);

	static final RedisScript<Long> LEASE_TAKE_OVER = script("lease-take-over.lua", Long.class);

	static final RedisScript<Long> LEASE_RELEASE = script("lease-release.lua", Long.class);

	private JobScripts() {
	}

	/** The text of a named script resource. */
	static String text(String name) {
		try (InputStream in = JobScripts.class.getResourceAsStream(name)) {
			if (in == null) {
				throw new IllegalStateException("Missing job store script " + name);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read job store script " + name, ex);
		}
	}

	private static <T> RedisScript<T> script(String name, Class<T> type) {
		return RedisScript.of(text(name), type);
	}

	private static RedisScript<String> transition(String name) {
		return RedisScript.of(text(RULES) + "\n" + text(name), String.class);
	}

}
