/**
 * HTTP error handling shared by the advisor's endpoints.
 */
@NullMarked
package dev.kiln.advisor.web;

import org.jspecify.annotations.NullMarked;
