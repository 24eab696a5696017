package dev.kiln.gateway.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import lombok.RequiredArgsConstructor;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;

import dev.kiln.gateway.GatewayProperties;
import dev.kiln.support.config.SharedProperties;

/** Presigned, expiring download links for images in the bucket. */
@Component
@RequiredArgsConstructor
class ImageLinks {

	private final S3Presigner presigner;

	private final SharedProperties shared;

	private final GatewayProperties properties;

	private final Clock clock;

	JobView.ImageLink link(int index, String key) {
		JobView.Link link = link(key);
		return new JobView.ImageLink(index, link.url(), link.expiresAt());
	}

	JobView.Link link(String key) {
		Instant now = this.clock.instant();
		Duration ttl = this.properties.storage().linkTtl();
		PresignedGetObjectRequest presigned = this.presigner.presignGetObject((request) -> request
			.signatureDuration(ttl)
			.getObjectRequest((get) -> get.bucket(this.shared.storage().bucket()).key(key)));
		return new JobView.Link(presigned.url().toString(), now.plus(ttl));
	}

}
