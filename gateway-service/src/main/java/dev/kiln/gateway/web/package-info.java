/**
 * Web plumbing shared by every endpoint: RFC 9457 problem responses and API documentation.
 */
@NullMarked
package dev.kiln.gateway.web;

import org.jspecify.annotations.NullMarked;
