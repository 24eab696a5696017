package dev.kiln.queue.lane;

import java.util.List;

import lombok.RequiredArgsConstructor;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.kiln.contract.Lane;

/** Admin API of the lanes: their figures, and redrive of their dead-letter queues. Needs an admin API key. */
@RestController
@RequestMapping(path = "/admin/v1/lanes", produces = MediaType.APPLICATION_JSON_VALUE)
@RequiredArgsConstructor
class LaneController {

	private final LaneMonitor monitor;

	private final Redrive redrive;

	/** Every lane's figures, in lane order (interactive first). */
	@GetMapping
	Lanes lanes() {
		return new Lanes(this.monitor.statuses());
	}

	/** Moves the lane's dead-letter messages back to its queue; their jobs are {@code QUEUED} again. */
	@PostMapping("/{lane}/redrive")
	RedriveResult redrive(@PathVariable String lane) {
		Lane parsed;
		try {
			parsed = Lane.fromWireName(lane);
		}
		catch (IllegalArgumentException ex) {
			throw new UnknownLaneException(lane);
		}
		return this.redrive.redrive(parsed);
	}

	/**
	 * The lanes' figures.
	 *
	 * @param lanes one entry per lane
	 */
	record Lanes(List<LaneStatus> lanes) {
	}

}
