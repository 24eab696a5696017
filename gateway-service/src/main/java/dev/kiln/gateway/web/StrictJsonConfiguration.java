package dev.kiln.gateway.web;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

import dev.kiln.contract.Lane;

/**
 * JSON is read as its types say, with no coercion, so that the API means what its OpenAPI document says:
 * <ul>
 * <li>a key given twice is an error, not "the last one wins";</li>
 * <li>a number is never read from a string ({@code "width": "512"}), a string never from a number or a boolean
 * ({@code "prompt": 123}), an integer never from a float ({@code "steps": 20.5}), a boolean never from a number or a
 * string;</li>
 * <li>an empty or blank string is never read as "no value" ({@code "deadline": ""}, {@code "lane": ""}): leave the
 * field out instead;</li>
 * <li>a lane is one of its lower-case wire names exactly ({@code "BATCH"} is refused);</li>
 * <li>a time is an RFC 3339 string with an offset ({@code "2030-01-01T12:00:00Z"}), never a number of seconds or an
 * array.</li>
 * </ul>
 * Every refusal is a {@link tools.jackson.databind.exc.MismatchedInputException} with the field's path, which
 * {@link ProblemHandler} turns into a 400 {@code malformed-request} problem naming the field.
 */
@Configuration(proxyBeanMethods = false)
class StrictJsonConfiguration {

	@Bean
	JsonMapperBuilderCustomizer strictJson() {
		return (builder) -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
			.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
			.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
			.disable(DeserializationFeature.ACCEPT_EMPTY_STRING_AS_NULL_OBJECT)
			.withCoercionConfigDefaults((config) -> config.setAcceptBlankAsEmpty(false)
				.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
			.withCoercionConfig(LogicalType.Textual,
					(config) -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
			.withCoercionConfig(LogicalType.Integer,
					(config) -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
			.withCoercionConfig(LogicalType.Float,
					(config) -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
			.withCoercionConfig(LogicalType.Boolean,
					(config) -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
			.withCoercionConfig(LogicalType.Enum,
					(config) -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
			.withCoercionConfig(LogicalType.DateTime,
					(config) -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
			.addModule(new SimpleModule("kiln-strict-types").addDeserializer(Lane.class, new ExactLane())
				.addDeserializer(OffsetDateTime.class, new Rfc3339()));
	}

	/** A lane from its wire name exactly; the contract's own reader is case-insensitive for other uses. */
	static final class ExactLane extends ValueDeserializer<Lane> {

		@Override
		public Lane deserialize(JsonParser parser, DeserializationContext context) {
			if (!parser.hasToken(JsonToken.VALUE_STRING)) {
				return (Lane) context.handleUnexpectedToken(Lane.class, parser);
			}
			String text = parser.getString();
			for (Lane lane : Lane.values()) {
				if (lane.wireName().equals(text)) {
					return lane;
				}
			}
			return (Lane) context.handleWeirdStringValue(Lane.class, text, "not one of interactive, standard, batch");
		}

	}

	/**
	 * An RFC 3339 {@code date-time} (section 5.6): full date, {@code T}, time with seconds and an optional fraction,
	 * and {@code Z} or a numeric offset. Lower-case {@code t} and {@code z} are allowed, as the RFC allows them.
	 */
	static final class Rfc3339 extends ValueDeserializer<OffsetDateTime> {

		private static final Pattern FORM = Pattern
			.compile("\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");

		@Override
		public OffsetDateTime deserialize(JsonParser parser, DeserializationContext context) {
			if (!parser.hasToken(JsonToken.VALUE_STRING)) {
				return (OffsetDateTime) context.handleUnexpectedToken(OffsetDateTime.class, parser);
			}
			String text = parser.getString();
			if (FORM.matcher(text).matches()) {
				try {
					return OffsetDateTime.parse(text.replace('t', 'T').replace('z', 'Z'));
				}
				catch (DateTimeParseException ex) {
					// a date or time out of range, e.g. 2030-02-30 or 25:00:00: refused below
				}
			}
			return (OffsetDateTime) context.handleWeirdStringValue(OffsetDateTime.class, text,
					"not an RFC 3339 date-time");
		}

	}

}
