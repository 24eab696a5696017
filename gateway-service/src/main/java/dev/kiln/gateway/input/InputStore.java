package dev.kiln.gateway.input;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import dev.kiln.contract.JobIds;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.gateway.web.ApiProblemException;
import dev.kiln.gateway.web.ProblemTypes;
import dev.kiln.support.config.SharedProperties;

/**
 * Decodes, checks and stores uploaded images, and finds them again for a job. Nothing is stored for an upload that
 * is not a PNG, JPEG or WebP image within the limits. The format is read from the bytes, not from the declared type.
 */
@Service
public class InputStore {

	/** The formats accepted, as ImageIO names them (WebP through the TwelveMonkeys plugin). */
	static final Set<String> FORMATS = Set.of("png", "jpeg", "webp");

	private static final String WIDTH = "width";

	private static final String HEIGHT = "height";

	private final S3Client s3;

	private final String bucket;

	private final InputProperties limits;

	InputStore(S3Client s3, SharedProperties shared, InputProperties limits) {
		this.s3 = s3;
		this.bucket = shared.storage().bucket();
		this.limits = limits;
	}

	/**
	 * Decodes and stores an upload of a tenant.
	 * @param tenant the tenant
	 * @param bytes the uploaded file, already within the byte limit
	 * @return the stored input
	 * @throws ApiProblemException 400 when the bytes are not a PNG, JPEG or WebP image, or its size is out of range
	 */
	InputImage store(String tenant, byte[] bytes) {
		BufferedImage image = decode(bytes);
		String id = JobIds.next();
		ByteArrayOutputStream png = new ByteArrayOutputStream();
		try {
			ImageIO.write(image, "png", png);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.s3.putObject((request) -> request.bucket(this.bucket)
			.key(ObjectKeys.input(tenant, id))
			.contentType("image/png")
			.metadata(Map.of(WIDTH, Integer.toString(image.getWidth()), HEIGHT, Integer.toString(image.getHeight()))),
				RequestBody.fromBytes(png.toByteArray()));
		return new InputImage(id, image.getWidth(), image.getHeight());
	}

	/**
	 * The input with this id, if the tenant has it. Another tenant's id reads as absent.
	 * @param tenant the tenant
	 * @param id the input id
	 * @return the input, or empty when the tenant has none with this id (or it expired)
	 */
	public Optional<InputImage> find(String tenant, String id) {
		if (!JobIds.isValid(id)) {
			return Optional.empty();
		}
		try {
			HeadObjectResponse head = this.s3
				.headObject((request) -> request.bucket(this.bucket).key(ObjectKeys.input(tenant, id)));
			return Optional.of(new InputImage(id, Integer.parseInt(head.metadata().get(WIDTH)),
					Integer.parseInt(head.metadata().get(HEIGHT))));
		}
		catch (NoSuchKeyException ex) {
			return Optional.empty();
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404) {
				return Optional.empty();
			}
			throw ex;
		}
	}

	/** Reads the header first, so that the size is checked before the pixels are decoded. */
	private BufferedImage decode(byte[] bytes) {
		try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
			Iterator<ImageReader> readers = (in != null) ? ImageIO.getImageReaders(in) : null;
			if (readers == null || !readers.hasNext()) {
				throw undecodable("The file is not a PNG, JPEG or WebP image.");
			}
			ImageReader reader = readers.next();
			try {
				String format = reader.getFormatName().toLowerCase(Locale.ROOT);
				if (!FORMATS.contains(format)) {
					throw undecodable("The file is a " + format + " image; send PNG, JPEG or WebP.");
				}
				reader.setInput(in, true, true);
				int width = reader.getWidth(0);
				int height = reader.getHeight(0);
				int max = this.limits.maxSide();
				if (width < 64 || height < 64 || width > max || height > max) {
					throw undecodable("The image is " + width + "x" + height + "; width and height must be 64 to " + max
							+ " pixels.");
				}
				BufferedImage image = reader.read(0);
				return toRgb(image);
			}
			finally {
				reader.dispose();
			}
		}
		catch (IOException | RuntimeException ex) {
			if (ex instanceof ApiProblemException problem) {
				throw problem;
			}
			throw undecodable("The image could not be decoded: " + ex.getMessage());
		}
	}

	/** Drops alpha and palettes: a worker reads three channels. */
	private static BufferedImage toRgb(BufferedImage image) {
		if (image.getType() == BufferedImage.TYPE_INT_RGB) {
			return image;
		}
		BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
		var graphics = rgb.createGraphics();
		try {
			graphics.drawImage(image, 0, 0, java.awt.Color.WHITE, null);
		}
		finally {
			graphics.dispose();
		}
		return rgb;
	}

	private static ApiProblemException undecodable(String detail) {
		return new ApiProblemException(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_IMAGE, "Invalid image", detail,
				java.util.List.of(), Map.of());
	}

}
