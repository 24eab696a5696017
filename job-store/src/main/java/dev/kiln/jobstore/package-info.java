/**
 * The one owner of the Redis job record ({@code {kiln}:job:{id}}, its event stream and lease, the lane, tenant,
 * waiting, running and outbox indexes): the typed {@link dev.kiln.jobstore.JobRecord}, the job state machine whose
 * rules are written once ({@code transition-rules.lua}, put in front of every script that changes a job's state), and
 * every Lua script that writes job keys, each a named resource beside this package. No other module writes those keys;
 * their architecture tests check it.
 */
@NullMarked
package dev.kiln.jobstore;

import org.jspecify.annotations.NullMarked;
