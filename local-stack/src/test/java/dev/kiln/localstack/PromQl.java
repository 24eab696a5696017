package dev.kiln.localstack;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The metric names a PromQL expression reads, by a small tokenizer rather than a full parser: it skips strings, label
 * matchers ({@code {...}}), range and subquery selectors ({@code [...]}), numbers and durations, Grafana variables
 * ({@code $namespace}), keywords and operators, function and aggregation names (an identifier followed by
 * {@code (}) and the label lists of {@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left}
 * and {@code group_right}. Every identifier left is a metric name. Grammar: <a href=
 * "https://prometheus.io/docs/prometheus/latest/querying/basics/">Prometheus querying basics</a>.
 */
final class PromQl {

	/** Words that are not metric names although they are not followed by {@code (}. */
	private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan",
			"start", "end");

	/** Words whose parenthesised argument is a list of labels, not an expression. */
	private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left",
			"group_right");

	private PromQl() {
	}

	/**
	 * The metric names in an expression.
	 * @param expression a PromQL expression
	 * @return the names, in order of appearance
	 * @throws IllegalArgumentException when a string, matcher or bracket is not closed
	 */
	static Set<String> metricNames(String expression) {
		Set<String> names = new LinkedHashSet<>();
		int i = 0;
		int n = expression.length();
		while (i < n) {
			char c = expression.charAt(i);
			if (c == '"' || c == '\'' || c == '`') {
				i = skipString(expression, i);
			}
			else if (c == '{') {
				i = skipTo(expression, i, '}');
			}
			else if (c == '[') {
				i = skipTo(expression, i, ']');
			}
			else if (c == '#') {
				int end = expression.indexOf('\n', i);
				i = (end < 0) ? n : end;
			}
			else if (c == '$') {
				i = skipWord(expression, i + 1);
			}
			else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(expression.charAt(i + 1)))) {
				// numbers, 1e3, 0x1f and durations such as 5m or 1h30m
				while (i < n && (Character.isLetterOrDigit(expression.charAt(i)) || expression.charAt(i) == '.')) {
					i++;
				}
			}
			else if (isWordStart(c)) {
				int end = skipWord(expression, i);
				String word = expression.substring(i, end);
				int next = skipSpace(expression, end);
				// a function or aggregation: sum(...), and also sum by (lane) (...), whose modifier comes first
				String following = (next < n && isWordStart(expression.charAt(next)))
						? expression.substring(next, skipWord(expression, next)).toLowerCase() : "";
				boolean call = (next < n && expression.charAt(next) == '(') || following.equals("by")
						|| following.equals("without");
				if (LABEL_LISTS.contains(word.toLowerCase())) {
					i = call ? skipTo(expression, next, ')') : end;
				}
				else {
					if (!call && !KEYWORDS.contains(word.toLowerCase())) {
						names.add(word);
					}
					i = end;
				}
			}
			else {
				i++;
			}
		}
		return names;
	}

	private static boolean isWordStart(char c) {
		return Character.isLetter(c) || c == '_' || c == ':';
	}

	private static int skipWord(String text, int from) {
		int i = from;
		while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_'
				|| text.charAt(i) == ':')) {
			i++;
		}
		return i;
	}

	private static int skipSpace(String text, int from) {
		int i = from;
		while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
			i++;
		}
		return i;
	}

	/** From an opening quote to just past its closing quote; backquoted strings have no escapes. */
	private static int skipString(String text, int from) {
		char quote = text.charAt(from);
		int i = from + 1;
		while (i < text.length()) {
			char c = text.charAt(i);
			if (c == '\\' && quote != '`') {
				i += 2;
			}
			else if (c == quote) {
				return i + 1;
			}
			else {
				i++;
			}
		}
		throw new IllegalArgumentException("Unclosed string at " + from + " in: " + text);
	}

	/** From an opening bracket to just past {@code close}, skipping strings in between. */
	private static int skipTo(String text, int from, char close) {
		int i = from + 1;
		while (i < text.length()) {
			char c = text.charAt(i);
			if (c == '"' || c == '\'' || c == '`') {
				i = skipString(text, i);
			}
			else if (c == close) {
				return i + 1;
			}
			else {
				i++;
			}
		}
		throw new IllegalArgumentException("Unclosed '" + text.charAt(from) + "' at " + from + " in: " + text);
	}

}
