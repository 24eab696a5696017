package dev.kiln.gateway;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

import dev.kiln.contract.JobFields;
import dev.kiln.contract.Lane;
import dev.kiln.contract.ObjectKeys;
import dev.kiln.contract.QueueNames;
import dev.kiln.contract.RedisKeys;
import dev.kiln.embedded.SharedEmbeddedStack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web page at {@code /} in headless Chromium (Debian's {@code chromium} and {@code chromedriver}, never
 * downloaded): type a prompt, submit, watch progress and a preview arrive over SSE, see the image. The test plays
 * the worker and queue service by writing the job's events, preview and image itself. Skipped, saying so, where no
 * Chromium is installed ({@code apt-get install chromium chromium-driver}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "kiln.queues.prefix=gwbrowser", "kiln.storage.bucket=gwbrowser-images",
				"kiln.gateway.auth.bootstrap-keys[0].key=" + BrowserIntegrationTests.KEY,
				"kiln.gateway.auth.bootstrap-keys[0].tenant=" + BrowserIntegrationTests.TENANT })
class BrowserIntegrationTests {

	static final String KEY = "gwbrowser-key-0123456789abc";

	static final String TENANT = "browser-acme";

	private static final String WORKER = "gwbrowser-worker";

	/** A Stable Diffusion model the worker announces with a choice of samplers. */
	private static final String SD_MODEL = "gwbrowser-sd";

	/** What workers announce of the built-in model ({@code ServedModel.Limits.BUILTIN_DESCRIPTION}). */
	private static final String BUILTIN_DESCRIPTION = "renders abstract patterns from the prompt's words "
			+ "(offline built-in, not Stable Diffusion)";

	private static final Path CHROMIUM = Path.of(System.getProperty("kiln.chromium", "/usr/bin/chromium"));

	private static final Path CHROMEDRIVER = Path.of(System.getProperty("kiln.chromedriver", "/usr/bin/chromedriver"));

	private static final Path SCREENSHOT = Path.of("target/browser/kiln-web.png");

	@DynamicPropertySource
	static void stack(DynamicPropertyRegistry registry) {
		SharedEmbeddedStack.register(registry);
	}

	@LocalServerPort
	private int port;

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private S3Client s3;

	private ChromeDriver browser;

	@BeforeAll
	static void createQueuesAndBucket(@Autowired SqsAsyncClient sqs, @Autowired S3Client s3) {
		QueueNames queues = new QueueNames("gwbrowser");
		for (Lane lane : Lane.values()) {
			sqs.createQueue((b) -> b.queueName(queues.jobs(lane))).join();
		}
		s3.createBucket((b) -> b.bucket("gwbrowser-images"));
	}

	@BeforeEach
	void startBrowser() {
		assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
				"Skipped: no Chromium at " + CHROMIUM + " and " + CHROMEDRIVER
						+ " (apt-get install chromium chromium-driver)");
		System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-extensions", "--disable-sync", "--no-first-run",
				"--mute-audio", "--window-size=1200,900");
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		this.browser = new ChromeDriver(service, options);
	}

	@AfterEach
	void stopBrowser() {
		this.redis.delete(RedisKeys.worker(WORKER));
		this.redis.opsForZSet().remove(RedisKeys.workers(), WORKER);
		if (this.browser != null) {
			this.browser.quit();
		}
	}

	@Test
	void typeAPromptSubmitAndSeeTheImage() throws IOException {
		beat();
		this.browser.get("http://localhost:" + this.port + "/");
		WebElement key = this.browser.findElement(By.id("api-key"));
		key.sendKeys(KEY);
		((JavascriptExecutor) this.browser).executeScript("arguments[0].dispatchEvent(new Event('change'))", key);
		// the page says which model renders and what it is, as the worker serving it announces
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("model-description")).getText())
				.isEqualTo("kiln-builtin: " + BUILTIN_DESCRIPTION));
		assertThat(this.browser.findElement(By.id("model")).getAttribute("value")).isEqualTo("kiln-builtin");
		this.browser.findElement(By.id("prompt")).sendKeys("a kiln glowing at night");
		this.browser.findElement(By.id("steps")).clear();
		this.browser.findElement(By.id("steps")).sendKeys("2");
		String before = submittedJob();
		this.browser.findElement(By.id("submit")).click();

		// the newest job of the tenant, once it is not the one another test left
		String jobId = await().atMost(Duration.ofSeconds(30))
			.until(this::submittedJob, (id) -> id != null && !id.equals(before));
		assertThat(this.redis.opsForHash().get(RedisKeys.job(jobId), JobFields.REQUEST).toString())
			.contains("a kiln glowing at night", "\"model\":\"kiln-builtin\"");
		playWorker(jobId);

		await().atMost(Duration.ofSeconds(30))
			.until(() -> (Boolean) ((JavascriptExecutor) this.browser).executeScript(
					"const i = document.getElementById('result'); return !i.hidden && i.complete && i.naturalWidth > 0;"));
		assertThat(this.browser.findElement(By.id("status")).getText()).contains(jobId, "SUCCEEDED");
		assertThat(this.browser.findElement(By.id("preview")).getAttribute("src")).contains("preview-1.png");
		await().atMost(Duration.ofSeconds(30))
			.until(() -> !this.browser.findElements(By.cssSelector("#gallery img")).isEmpty());
		Files.createDirectories(SCREENSHOT.getParent());
		File shot = this.browser.getScreenshotAs(OutputType.FILE);
		Files.copy(shot.toPath(), SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
		assertThat(SCREENSHOT).isNotEmptyFile();
	}

	@Test
	void chooseASchedulerGuidanceNegativePromptAndImagesThenCancelTheRunningJob() {
		beat();
		this.browser.get("http://localhost:" + this.port + "/");
		WebElement key = this.browser.findElement(By.id("api-key"));
		key.sendKeys(KEY);
		((JavascriptExecutor) this.browser).executeScript("arguments[0].dispatchEvent(new Event('change'))", key);
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("model-description")).getText())
				.startsWith("kiln-builtin: "));
		// the built-in model has no choice of sampler: only its default is offered
		assertThat(options("scheduler")).containsExactly("model default");
		Select model = new Select(this.browser.findElement(By.id("model")));
		model.selectByValue(SD_MODEL);
		// the chosen model's samplers, as its worker announces them
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(options("scheduler")).containsExactly("model default (pndm)", "pndm",
					"ddim", "dpm++2m-karras"));
		new Select(this.browser.findElement(By.id("scheduler"))).selectByValue("dpm++2m-karras");
		this.browser.findElement(By.id("prompt")).sendKeys("a kiln in the snow");
		this.browser.findElement(By.id("negative-prompt")).sendKeys("blurry, low quality");
		replace("guidance", "4.5");
		replace("num-images", "2");
		replace("steps", "3");
		String before = submittedJob();
		this.browser.findElement(By.id("submit")).click();

		// the newest job of the tenant, once it is not the one another test left
		String jobId = await().atMost(Duration.ofSeconds(30))
			.until(this::submittedJob, (id) -> id != null && !id.equals(before));
		assertThat(this.redis.opsForHash().get(RedisKeys.job(jobId), JobFields.REQUEST).toString()).contains(
				"\"model\":\"" + SD_MODEL + "\"", "\"scheduler\":\"dpm++2m-karras\"", "\"guidanceScale\":4.5",
				"\"negativePrompt\":\"blurry, low quality\"", "\"numImages\":2", "\"steps\":3");
		WebElement cancel = this.browser.findElement(By.id("cancel"));
		await().atMost(Duration.ofSeconds(10)).until(cancel::isDisplayed);

		// a worker starts it; the page's Cancel asks the gateway (DELETE), which flags the running job
		this.redis.opsForHash().putAll(RedisKeys.job(jobId), Map.of(JobFields.STATE, "RUNNING", JobFields.ATTEMPT, "1"));
		event(jobId, "state", "RUNNING", 0, "");
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("status")).getText()).contains("RUNNING"));
		cancel.click();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> "true".equals(this.redis.opsForHash().get(RedisKeys.job(jobId), JobFields.CANCEL_REQUESTED)));
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("status")).getText()).contains("cancelling"));
		// the worker stops at its next step and the queue service records CANCELLED
		this.redis.opsForHash()
			.putAll(RedisKeys.job(jobId), Map.of(JobFields.STATE, "CANCELLED", JobFields.FINISHED_AT, Instant.now().toString()));
		event(jobId, "state", "CANCELLED", 1, "");
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("status")).getText()).contains(jobId,
					"CANCELLED"));
		await().atMost(Duration.ofSeconds(10)).until(() -> !cancel.isDisplayed());
	}

	@Test
	void uploadAnInitImageWithStrengthAndClipSkipAfterARefusedFile(@TempDir Path files) throws IOException {
		beat();
		this.browser.get("http://localhost:" + this.port + "/");
		WebElement key = this.browser.findElement(By.id("api-key"));
		key.sendKeys(KEY);
		((JavascriptExecutor) this.browser).executeScript("arguments[0].dispatchEvent(new Event('change'))", key);
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("model-description")).getText())
				.startsWith("kiln-builtin: "));
		// the built-in model announces neither img2img nor clip skip: neither control is offered
		assertThat(this.browser.findElement(By.id("init-image-field")).isDisplayed()).isFalse();
		assertThat(this.browser.findElement(By.id("clip-skip-field")).isDisplayed()).isFalse();
		new Select(this.browser.findElement(By.id("model"))).selectByValue(SD_MODEL);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.browser.findElement(By.id("init-image-field")).isDisplayed());
		assertThat(this.browser.findElement(By.id("clip-skip-field")).isDisplayed()).isTrue();
		assertThat(this.browser.findElement(By.id("clip-skip")).getAttribute("max")).isEqualTo("2");

		// a file that is no image: the gateway refuses it (400 invalid-image) and the page says why
		Path bad = files.resolve("notes.png");
		Files.writeString(bad, "this is not a picture");
		this.browser.findElement(By.id("init-image")).sendKeys(bad.toString());
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("error")).getText())
				.isEqualTo("notes.png: Invalid image: The file is not a PNG, JPEG or WebP image."));
		assertThat(inputs()).as("nothing stored for a refused file").isEmpty();

		// a 128x64 PNG: uploaded, and the job takes its size
		Path good = files.resolve("start.png");
		Files.write(good, png(Color.BLUE, 128, 64));
		this.browser.findElement(By.id("init-image")).sendKeys(good.toString());
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.browser.findElement(By.id("init-image-note")).getText())
				.startsWith("start.png uploaded (128x64)"));
		assertThat(this.browser.findElement(By.id("width")).getAttribute("value")).isEqualTo("128");
		assertThat(this.browser.findElement(By.id("height")).getAttribute("value")).isEqualTo("64");
		assertThat(inputs()).hasSize(1);
		String key0 = inputs().get(0);
		String inputId = key0.substring(key0.lastIndexOf('/') + 1, key0.length() - ".png".length());
		replace("strength", "0.6");
		replace("clip-skip", "1");
		replace("steps", "3");
		this.browser.findElement(By.id("prompt")).sendKeys("the same kiln at dawn");
		String before = submittedJob();
		this.browser.findElement(By.id("submit")).click();

		String jobId = await().atMost(Duration.ofSeconds(30))
			.until(this::submittedJob, (id) -> id != null && !id.equals(before));
		assertThat(this.redis.opsForHash().get(RedisKeys.job(jobId), JobFields.REQUEST).toString()).contains(
				"\"model\":\"" + SD_MODEL + "\"", "\"initImage\":\"" + inputId + "\"", "\"strength\":0.6",
				"\"clipSkip\":1", "\"width\":128", "\"height\":64");
		assertThat(this.browser.findElement(By.id("error")).isDisplayed()).isFalse();
	}

	/** The tenant's uploaded inputs in the bucket. */
	private java.util.List<String> inputs() {
		String prefix = ObjectKeys.input(TENANT, "x");
		String folder = prefix.substring(0, prefix.lastIndexOf('/') + 1);
		return this.s3.listObjectsV2((b) -> b.bucket("gwbrowser-images").prefix(folder))
			.contents()
			.stream()
			.map(software.amazon.awssdk.services.s3.model.S3Object::key)
			.toList();
	}

	private java.util.List<String> options(String id) {
		return new Select(this.browser.findElement(By.id(id))).getOptions().stream().map(WebElement::getText).toList();
	}

	private void replace(String id, String value) {
		WebElement input = this.browser.findElement(By.id(id));
		input.clear();
		input.sendKeys(value);
	}

	/** A live worker serving the built-in model and an SD model, as its heartbeat announces them. */
	private void beat() {
		String now = Instant.now().toString();
		this.redis.opsForValue().set(RedisKeys.worker(WORKER), """
				{"schemaVersion":1,"workerId":"%s","models":[{"id":"kiln-builtin","type":"builtin","maxPixels":1048576,
				 "maxSteps":150,"maxBatch":8,"description":"%s"},
				 {"id":"%s","type":"sd-torchscript","maxPixels":1048576,"maxSteps":150,"maxBatch":4,"family":"sd1",
				 "scheduler":"pndm","schedulers":["pndm","ddim","dpm++2m-karras"],"description":"Stable Diffusion (sd1)",
				 "imageToImage":true,"maxClipSkip":2}],
				 "device":"cpu","busy":false,"jobId":null,
				 "startedAt":"%s","beatAt":"%s"}""".formatted(WORKER, BUILTIN_DESCRIPTION, SD_MODEL, now, now),
				// long enough for a slow test on a loaded machine (a worker whose key expired is not live, and its
				// models unknown); stopBrowser deletes it after each test
				Duration.ofMinutes(5));
		this.redis.opsForZSet().add(RedisKeys.workers(), WORKER, System.currentTimeMillis());
	}

	private String submittedJob() {
		Set<String> ids = this.redis.opsForZSet().range(RedisKeys.tenantJobs(TENANT), -1, -1);
		return (ids == null || ids.isEmpty()) ? null : ids.iterator().next();
	}

	/** What the worker and the queue service's state machine would write. */
	private void playWorker(String jobId) throws IOException {
		String preview = ObjectKeys.preview(TENANT, jobId, 1);
		String image = ObjectKeys.image(TENANT, jobId, 0);
		put(preview, png(Color.DARK_GRAY, 32));
		put(image, png(new Color(0xC4, 0x62, 0x2D), 256));
		this.redis.opsForHash().putAll(RedisKeys.job(jobId), Map.of(JobFields.STATE, "RUNNING", JobFields.ATTEMPT, "1"));
		event(jobId, "state", "RUNNING", 0, "");
		event(jobId, "progress", "RUNNING", 1, preview);
		event(jobId, "progress", "RUNNING", 2, "");
		this.redis.opsForHash()
			.putAll(RedisKeys.job(jobId), Map.of(JobFields.STATE, "SUCCEEDED", JobFields.OUTPUTS, "[\"" + image + "\"]",
					JobFields.FINISHED_AT, Instant.now().toString(), JobFields.STEP, "2"));
		event(jobId, "state", "SUCCEEDED", 2, "");
	}

	private void event(String jobId, String kind, String state, int step, String preview) {
		this.redis.opsForStream()
			.add(StreamRecords.string(Map.of("kind", kind, "state", state, "step", Integer.toString(step), "totalSteps",
					"2", "preview", preview, "errorType", "", "at", Instant.now().toString()))
				.withStreamKey(RedisKeys.jobEvents(jobId)));
	}

	private void put(String key, byte[] png) {
		this.s3.putObject((b) -> b.bucket("gwbrowser-images").key(key).contentType("image/png"),
				RequestBody.fromBytes(png));
	}

	private static byte[] png(Color color, int size) throws IOException {
		return png(color, size, size);
	}

	private static byte[] png(Color color, int width, int height) throws IOException {
		int size = Math.min(width, height);
		BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		Graphics2D g = image.createGraphics();
		g.setColor(color);
		g.fillRect(0, 0, width, height);
		g.setColor(Color.WHITE);
		g.fillOval(size / 4, size / 4, size / 2, size / 2);
		g.dispose();
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ImageIO.write(image, "png", out);
		return out.toByteArray();
	}

}
