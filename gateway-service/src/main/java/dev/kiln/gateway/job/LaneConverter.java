package dev.kiln.gateway.job;

import org.springframework.core.convert.converter.Converter;
import org.springframework.stereotype.Component;

import dev.kiln.contract.Lane;

/** Reads a lane from its wire name in query parameters ({@code ?lane=batch}), as the JSON body does. */
@Component
class LaneConverter implements Converter<String, Lane> {

	@Override
	public Lane convert(String source) {
		return Lane.fromWireName(source.trim());
	}

}
