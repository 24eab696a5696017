package dev.kiln.gateway.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;

import dev.kiln.gateway.GatewayProperties;
import dev.kiln.support.config.SharedProperties;

/** Presigned, expiring download links for images in the bucket. */
@Component
class ImageLinks {

	private final S3Presigner presigner;

	private final String bucket;

	private final Duration ttl;

	private final Clock clock;

	ImageLinks(S3Presigner presigner, SharedProperties shared, GatewayProperties properties, Clock clock) {
		this.presigner = presigner;
		this.bucket = shared.storage().bucket();
		this.ttl = properties.storage().linkTtl();
		this.clock = clock;
	}

	JobView.ImageLink link(int index, String key) {
		JobView.Link link = link(key);
		return new JobView.ImageLink(index, link.url(), link.expiresAt());
	}

	JobView.Link link(String key) {
		Instant now = this.clock.instant();
		PresignedGetObjectRequest presigned = this.presigner.presignGetObject((request) -> request
			.signatureDuration(this.ttl)
			.getObjectRequest((get) -> get.bucket(this.bucket).key(key)));
		return new JobView.Link(presigned.url().toString(), now.plus(this.ttl));
	}

}
