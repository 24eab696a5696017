/**
 * The web layer shared by the admin API: admin API key checks and RFC 9457 problem responses.
 */
@NullMarked
package dev.kiln.queue.web;

import org.jspecify.annotations.NullMarked;
