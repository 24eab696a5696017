package dev.kiln.worker.job;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import ai.djl.engine.EngineException;
import org.jspecify.annotations.Nullable;

/**
 * Recognises PyTorch's CUDA out-of-memory error as DJL reports it: an {@link EngineException} carrying libtorch's
 * message ({@code "CUDA out of memory. Tried to allocate ..."} from the caching allocator, or
 * {@code "CUDA error: out of memory"} from a CUDA call; inside a TorchScript module the same text follows the
 * interpreter's traceback), possibly wrapped by the generator.
 */
final class CudaOutOfMemory {

	private static final List<String> MARKERS = List.of("CUDA out of memory", "CUDA error: out of memory");

	private static final int SUMMARY_LENGTH = 300;

	private CudaOutOfMemory() {
	}

	/** Whether the failure, or one of its causes, is libtorch running out of GPU memory. */
	static boolean isCause(Throwable failure) {
		return find(failure) != null;
	}

	/** The line of libtorch's message that says how much it tried to allocate, shortened. */
	static String summary(Throwable failure) {
		EngineException cause = find(failure);
		String message = (cause != null && cause.getMessage() != null) ? cause.getMessage() : String.valueOf(failure);
		String line = message.lines()
			.filter((candidate) -> MARKERS.stream().anyMatch(candidate::contains))
			.findFirst()
			.orElse(message)
			.strip();
		return (line.length() <= SUMMARY_LENGTH) ? line : line.substring(0, SUMMARY_LENGTH) + "...";
	}

	private static @Nullable EngineException find(Throwable failure) {
		Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
		for (@Nullable Throwable current = failure; current != null && seen.add(current); current = current.getCause()) {
			if (current instanceof EngineException engine && engine.getMessage() != null
					&& MARKERS.stream().anyMatch(engine.getMessage()::contains)) {
				return engine;
			}
		}
		return null;
	}

}
