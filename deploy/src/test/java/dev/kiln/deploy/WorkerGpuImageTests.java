package dev.kiln.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The GPU worker image can start: the CUDA flavour its Dockerfile and the chart name has a JNI library in the
 * {@code pytorch-jni} jar this build resolves (DJL cannot pair libtorch with a flavour it has no JNI library for), its
 * CUDA base is that flavour's, and its PyTorch and DJL versions come from the root pom (the build arguments have no
 * default). Reads the jar's entries: no list of flavours is written down here.
 */
class WorkerGpuImageTests {

	private static final Path DOCKERFILE = Path.of(System.getProperty("kiln.images.dir", "images"))
		.resolve("worker-cuda-base/Dockerfile");

	private static final Pattern JNI_LIBRARY = Pattern.compile("jnilib/linux-x86_64/([^/]+)/libdjl_torch\\.so");

	private static final Pattern CUDA_FLAVOR = Pattern.compile("cu(\\d+)(\\d)");

	private static Dockerfile dockerfile;

	private static String flavor;

	@BeforeAll
	static void readDockerfile() {
		dockerfile = Dockerfile.parse(RenderedChart.read(DOCKERFILE));
		flavor = dockerfile.globalDefault("PYTORCH_FLAVOR");
	}

	@Test
	void theImagesFlavourHasAJniLibraryInThePytorchJniJarTheBuildResolves() {
		Path jar = jniJar();
		assertThat(flavors(jar))
			.as("CUDA flavours with a Linux x86-64 JNI library in %s; %s names %s", jar.getFileName(), DOCKERFILE, flavor)
			.contains(flavor);
	}

	@Test
	void thePytorchJniJarIsThePomsPytorchAndDjlVersions() throws IOException {
		Properties properties = new Properties();
		try (InputStream in = resource("jnilib/pytorch.properties").openStream()) {
			properties.load(in);
		}
		assertThat(properties.getProperty("jni_version"))
			.isEqualTo(System.getProperty("pytorch.version") + "-" + System.getProperty("djl.version"));
	}

	@Test
	void theCudaBaseIsTheFlavoursCudaRelease() {
		Matcher cuda = CUDA_FLAVOR.matcher(flavor);
		assertThat(cuda.matches()).as("%s is a CUDA flavour (cuXYZ)", flavor).isTrue();
		assertThat(dockerfile.globalDefault("CUDA_VERSION")).as("CUDA_VERSION of %s", flavor)
			.startsWith(cuda.group(1) + "." + cuda.group(2) + ".");
		assertThat(dockerfile.text()).contains("FROM nvidia/cuda:${CUDA_VERSION}-");
	}

	@Test
	void versionsComeFromTheBuildAndDjlIsPointedAtThatLibtorch() {
		assertThat(dockerfile.defaults("PYTORCH_VERSION")).as("ARG PYTORCH_VERSION defaults (the pom decides)")
			.isNotEmpty()
			.containsOnlyNulls();
		assertThat(dockerfile.defaults("DJL_VERSION")).as("ARG DJL_VERSION defaults (the pom decides)")
			.isNotEmpty()
			.containsOnlyNulls();
		assertThat(dockerfile.env()).containsEntry("PYTORCH_FLAVOR", "${PYTORCH_FLAVOR}")
			.containsEntry("PYTORCH_VERSION", "${PYTORCH_VERSION}")
			.containsEntry("PYTORCH_LIBRARY_PATH", "/opt/libtorch/lib")
			.containsEntry("DJL_OFFLINE", "true");
		assertThat(dockerfile.text())
			.as("the LibTorch download is the flavour's build of the pom's version")
			.contains("/libtorch/${PYTORCH_FLAVOR}/libtorch-cxx11-abi-shared-with-deps-${PYTORCH_VERSION}%2B${PYTORCH_FLAVOR}.zip")
			.as("the JNI library of that flavour sits where DJL looks first, named for the DJL version")
			.contains("jnilib/linux-x86_64/${PYTORCH_FLAVOR}/libdjl_torch.so")
			.contains("/opt/libtorch/lib/${DJL_VERSION}-libdjl_torch.so");
	}

	@Test
	void theChartRunsTheWorkerImageOfThatFlavour() {
		RenderedChart chart = RenderedChart.render("gpu-image", Map.of("image.tag", "0.1.0"), List.of());
		PodTemplateSpec template = Serialization.unmarshal(chart.workerPodTemplate().toString(), PodTemplateSpec.class);
		Container worker = template.getSpec().getContainers().get(0);
		assertThat(worker.getImage()).isEqualTo("kiln/generation-worker-" + flavor + ":0.1.0");
	}

	private static TreeSet<String> flavors(Path jar) {
		TreeSet<String> flavors = new TreeSet<>();
		try (JarFile file = new JarFile(jar.toFile())) {
			file.stream().map((entry) -> JNI_LIBRARY.matcher(entry.getName())).filter(Matcher::matches)
				.forEach((entry) -> flavors.add(entry.group(1)));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		assertThat(flavors).as("JNI libraries in %s", jar).isNotEmpty();
		return flavors;
	}

	private static Path jniJar() {
		try {
			URL url = resource("jnilib/pytorch.properties");
			return Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
		}
		catch (IOException | java.net.URISyntaxException ex) {
			throw new IllegalStateException("Cannot locate the pytorch-jni jar", ex);
		}
	}

	private static URL resource(String name) {
		URL url = WorkerGpuImageTests.class.getClassLoader().getResource(name);
		assertThat(url).as("%s on the test class path (the pytorch-jni test dependency)", name).isNotNull();
		return url;
	}

	/**
	 * The parts of a Dockerfile these tests read: its instructions with continuation lines joined and comments
	 * dropped, the defaults of each {@code ARG} (in order; {@code null} for a declaration without one) and the
	 * {@code ENV} assignments.
	 */
	record Dockerfile(String text, List<String> instructions) {

		static Dockerfile parse(String text) {
			List<String> instructions = new ArrayList<>();
			StringBuilder current = new StringBuilder();
			for (String line : text.lines().toList()) {
				String trimmed = line.strip();
				if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
					continue;
				}
				boolean continued = trimmed.endsWith("\\");
				current.append(continued ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
				if (!continued) {
					instructions.add(current.toString().strip());
					current.setLength(0);
				}
			}
			return new Dockerfile(text, List.copyOf(instructions));
		}

		/** The defaults given to {@code name} by each of its {@code ARG} declarations, in order. */
		List<String> defaults(String name) {
			List<String> defaults = new ArrayList<>();
			for (String instruction : this.instructions) {
				String[] words = instruction.split("\\s+");
				if (words.length == 2 && words[0].equals("ARG")) {
					String[] declaration = words[1].split("=", 2);
					if (declaration[0].equals(name)) {
						defaults.add((declaration.length == 2) ? unquote(declaration[1]) : null);
					}
				}
			}
			return defaults;
		}

		/** The default of a global {@code ARG} (declared before the first {@code FROM}). */
		String globalDefault(String name) {
			for (String instruction : this.instructions) {
				if (instruction.startsWith("FROM ")) {
					break;
				}
				if (instruction.startsWith("ARG " + name + "=")) {
					return unquote(instruction.substring(("ARG " + name + "=").length()).strip());
				}
			}
			throw new AssertionError("No global ARG " + name + "=<default> before the first FROM in " + DOCKERFILE);
		}

		/** Every {@code ENV name=value} assignment. */
		Map<String, String> env() {
			Map<String, String> env = new LinkedHashMap<>();
			for (String instruction : this.instructions) {
				if (instruction.startsWith("ENV ")) {
					for (String assignment : instruction.substring(4).strip().split("\\s+")) {
						String[] pair = assignment.split("=", 2);
						assertThat(pair).as("ENV %s is name=value", assignment).hasSize(2);
						env.put(pair[0], unquote(pair[1]));
					}
				}
			}
			return env;
		}

		private static String unquote(String value) {
			return (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\""))
					? value.substring(1, value.length() - 1) : value;
		}

	}

}
