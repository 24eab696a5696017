package dev.kiln.jobstore;

import java.util.Set;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.springframework.data.redis.connection.RedisCommands;
import org.springframework.data.redis.connection.RedisHashCommands;
import org.springframework.data.redis.connection.RedisKeyCommands;
import org.springframework.data.redis.connection.RedisListCommands;
import org.springframework.data.redis.connection.RedisScriptingCommands;
import org.springframework.data.redis.connection.RedisSetCommands;
import org.springframework.data.redis.connection.RedisStreamCommands;
import org.springframework.data.redis.connection.RedisStringCommands;
import org.springframework.data.redis.connection.RedisZSetCommands;
import org.springframework.data.redis.core.BoundKeyOperations;
import org.springframework.data.redis.core.HashOperations;
import org.springframework.data.redis.core.ListOperations;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SetOperations;
import org.springframework.data.redis.core.StreamOperations;
import org.springframework.data.redis.core.ValueOperations;
import org.springframework.data.redis.core.ZSetOperations;
import org.springframework.data.redis.core.script.RedisScript;

import dev.kiln.contract.RedisKeys;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The rules that keep the job store the only writer of job keys, for every service's {@code ArchitectureTests}
 * (shipped in job-store's test jar). Each service checks its own main classes.
 */
public final class JobStoreRules {

	private static final String STORE = "dev.kiln.jobstore..";

	/** The {@link RedisKeys} methods that name job keys: the record, its stream and lease, the job indexes. */
	static final Set<String> JOB_KEY_METHODS = Set.of("job", "jobEvents", "jobLease", "laneQueued", "tenantJobs",
			"tenantWaiting", "runningJobs", "unsentJobs");

	/**
	 * Methods of Spring Data Redis' operations and of the connection's commands (used inside {@code execute} and
	 * {@code executePipelined} callbacks) that write. Scripts are the other rule's.
	 */
	static final Set<String> WRITE_METHODS = Set.of("put", "putAll", "putIfAbsent", "delete", "increment",
			"decrement", "add", "addIfAbsent", "remove", "removeRange", "removeRangeByScore", "removeRangeByLex",
			"incrementScore", "set", "setIfAbsent", "setIfPresent", "getAndSet", "getAndDelete", "getAndExpire",
			"multiSet", "multiSetIfAbsent", "append", "expire", "expireAt", "persist", "rename", "renameIfAbsent",
			"unlink", "trim", "leftPush", "leftPushAll", "leftPushIfPresent", "rightPush", "rightPushAll",
			"rightPushIfPresent", "leftPop", "rightPop", "rightPopAndLeftPush", "move", "pop", "acknowledge",
			"unionAndStore", "intersectAndStore", "differenceAndStore", "rangeAndStoreByScore", "rangeAndStoreByLex",
			// the connection's commands
			"hSet", "hMSet", "hSetNX", "hDel", "hIncrBy", "hExpire", "hPersist", "zAdd", "zRem", "zIncrBy",
			"zRemRange", "zRemRangeByScore", "zRemRangeByLex", "zUnionStore", "zInterStore", "zDiffStore", "sAdd",
			"sRem", "sMove", "sPop", "sUnionStore", "sInterStore", "sDiffStore", "xAdd", "xDel", "xTrim", "xAck",
			"del", "pExpire", "pExpireAt", "renameNX", "setEx", "pSetEx", "setNX", "mSet", "mSetNX",
			"getSet", "getDel", "getEx", "incr", "incrBy", "decr", "decrBy", "lPush", "rPush", "lPushX", "rPushX",
			"lPop", "rPop", "lRem", "lSet", "lTrim", "rPopLPush", "eval", "evalSha");

	/**
	 * Write commands of Lettuce's command interfaces (sync, async, reactive, and the cluster's), for code that talks
	 * to Redis through a Lettuce connection rather than Spring Data Redis (the benchmarks do).
	 */
	static final Set<String> LETTUCE_WRITE_METHODS = Set.of("hset", "hmset", "hsetnx", "hdel", "hincrby",
			"hincrbyfloat", "hexpire", "hpexpire", "hpersist", "zadd", "zaddincr", "zincrby", "zrem", "zremrangebyrank",
			"zremrangebyscore", "zremrangebylex", "zpopmin", "zpopmax", "bzpopmin", "bzpopmax", "zunionstore",
			"zinterstore", "zdiffstore", "zrangestore", "sadd", "srem", "spop", "smove", "sunionstore", "sinterstore",
			"sdiffstore", "xadd", "xdel", "xtrim", "xack", "xclaim", "xautoclaim", "del", "unlink", "expire", "pexpire",
			"expireat", "pexpireat", "persist", "rename", "renamenx", "copy", "restore", "move", "set", "setex",
			"psetex", "setnx", "setrange", "mset", "msetnx", "getset", "getdel", "getex", "incr", "incrby",
			"incrbyfloat", "decr", "decrby", "append", "lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "blpop",
			"brpop", "lrem", "lset", "ltrim", "linsert", "rpoplpush", "brpoplpush", "lmove", "blmove", "eval",
			"evalsha", "fcall", "dispatch");

	private static final String LETTUCE = "io.lettuce.core";

	private static final Set<Class<?>> OPERATIONS = Set.of(RedisOperations.class, HashOperations.class,
			ZSetOperations.class, SetOperations.class, ListOperations.class, StreamOperations.class,
			ValueOperations.class, BoundKeyOperations.class, RedisCommands.class, RedisHashCommands.class,
			RedisZSetCommands.class, RedisSetCommands.class, RedisListCommands.class, RedisStreamCommands.class,
			RedisStringCommands.class, RedisKeyCommands.class, RedisScriptingCommands.class);

	/** Lua runs on Redis only from the job store: no other class even refers to {@link RedisScript}. */
	public static final ArchRule NO_LUA_OUTSIDE_THE_STORE = noClasses().that()
		.resideOutsideOfPackage(STORE)
		.should()
		.dependOnClassesThat()
		.areAssignableTo(RedisScript.class)
		.allowEmptyShould(true)
		.because("every Lua script that writes Kiln's Redis keys is a named resource of the job store (issue 16)");

	/**
	 * No method outside the job store both names a job key (a job-key method of {@link RedisKeys}) and calls a Redis
	 * write: reading job keys anywhere is fine, writing them goes through {@link JobStore}.
	 */
	public static final ArchRule NO_JOB_KEY_WRITES_OUTSIDE_THE_STORE = codeUnits().that()
		.areDeclaredInClassesThat()
		.resideOutsideOfPackage(STORE)
		.should(notWriteJobKeys())
		.allowEmptyShould(true)
		.because("the job store is the one owner of the job record and its indexes (issue 16)");

	private JobStoreRules() {
	}

	private static ArchCondition<JavaCodeUnit> notWriteJobKeys() {
		return new ArchCondition<>("not name a job key and write to Redis in the same method") {

			@Override
			public void check(JavaCodeUnit unit, ConditionEvents events) {
				boolean namesJobKey = unit.getMethodCallsFromSelf()
					.stream()
					.anyMatch((call) -> call.getTargetOwner().isEquivalentTo(RedisKeys.class)
							&& JOB_KEY_METHODS.contains(call.getName()));
				if (!namesJobKey) {
					return;
				}
				for (JavaMethodCall call : unit.getMethodCallsFromSelf()) {
					if (isWrite(call)) {
						events.add(SimpleConditionEvent.violated(unit, unit.getFullName()
								+ " names a job key and writes to Redis: " + call.getDescription()));
					}
				}
			}

		};
	}

	private static boolean isWrite(JavaMethodCall call) {
		JavaClass owner = call.getTargetOwner();
		if (owner.getPackageName().startsWith(LETTUCE)) {
			return LETTUCE_WRITE_METHODS.contains(call.getName());
		}
		return WRITE_METHODS.contains(call.getName())
				&& OPERATIONS.stream().anyMatch((type) -> owner.isAssignableTo(type));
	}

}
