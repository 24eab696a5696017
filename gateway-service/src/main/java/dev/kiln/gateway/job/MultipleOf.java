package dev.kiln.gateway.job;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/** The annotated number must be a multiple of {@link #value()}; {@code null} is valid. */
@Documented
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT, ElementType.TYPE_USE })
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = MultipleOf.Validator.class)
@interface MultipleOf {

	int value();

	String message() default "must be a multiple of {value}";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	/** Checks {@link MultipleOf}. */
	class Validator implements ConstraintValidator<MultipleOf, Integer> {

		private int divisor;

		@Override
		public void initialize(MultipleOf annotation) {
			this.divisor = annotation.value();
		}

		@Override
		public boolean isValid(Integer value, ConstraintValidatorContext context) {
			return value == null || value % this.divisor == 0;
		}

	}

}
